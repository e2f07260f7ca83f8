//! The Dagster pane's Assets view: every asset (key, group, last
//! materialization, stale or missing, checks) as `jr dagster assets` lists
//! them, the selected asset's lineage (upstream and downstream keys) beside
//! or under the list, and materializing the selection (`m`, or `L`, asked
//! first; a partitioned asset asks for its partition in a one-line form).
//! Enter steps into the lineage, Enter there goes to that asset, Esc comes
//! back. The data comes from the worker (`DagsterAsk::Assets`,
//! `DagsterAsk::Materialize`), never from GraphQL here.

use crate::clients::dagster::assets::Asset;
use crate::tui::action::Action;
use crate::tui::input::TextField;
use crate::tui::pane::Cx;
use crate::tui::widgets::list::Scroller;
use crate::tui::widgets::loadable::Loadable;

/// The detail box's rows under the list on narrow screens (borders included).
pub const DETAIL_ROWS: u16 = 8;
/// Screens this wide show the detail as a column beside the list.
pub const WIDE: u16 = 120;
/// The side column's width on wide screens.
pub const SIDE_COLS: u16 = 48;
/// Lines of the detail above the lineage: narrow, wide.
pub const HEAD_NARROW: usize = 3;
pub const HEAD_WIDE: usize = 7;

/// Which way a lineage key lies from the selected asset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    Up,
    Down,
}

/// What the user asked to materialize, waiting for yes or no.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Materialize {
    pub key: String,
    pub partition: Option<String>,
}

/// What one key press in the Assets view asks of the pane.
#[derive(Debug, Clone, PartialEq)]
pub enum Want {
    Nothing,
    /// Send this materialization to the worker.
    Materialize(Materialize),
    /// Copy this asset's Dagster link.
    Copy(String),
}

#[derive(Debug, Default)]
pub struct AssetsView {
    pub data: Loadable<Vec<Asset>>,
    pub list: Scroller,
    /// The selected asset's upstream then downstream keys.
    pub lineage: Scroller,
    /// Keys go to the lineage list (Enter there opens that asset).
    pub in_lineage: bool,
    /// Typing the partition to materialize of this (partitioned) asset.
    pub partition: Option<(String, TextField)>,
    /// Materialize this, once confirmed.
    pub confirm: Option<Materialize>,
}

impl AssetsView {
    pub fn assets(&self) -> &[Asset] {
        self.data.as_ref().map(Vec::as_slice).unwrap_or_default()
    }

    pub fn selected(&self) -> Option<&Asset> {
        self.assets().get(self.list.selected)
    }

    /// The selected asset's lineage: upstream keys, then downstream.
    pub fn lineage_keys(&self) -> Vec<(Dir, &str)> {
        let Some(a) = self.selected() else {
            return Vec::new();
        };
        a.upstream
            .iter()
            .map(|k| (Dir::Up, k.as_str()))
            .chain(a.downstream.iter().map(|k| (Dir::Down, k.as_str())))
            .collect()
    }

    /// A new list: keep the selected asset selected when it is still there.
    pub fn set(&mut self, assets: Vec<Asset>) {
        let was = self.selected().map(|a| a.key.clone());
        self.data.set(assets);
        let n = self.assets().len();
        self.list.set_len(n);
        if let Some(i) = was.and_then(|k| self.assets().iter().position(|a| a.key == k)) {
            self.list.select(i);
        }
        self.lineage_changed();
    }

    fn lineage_changed(&mut self) {
        let n = self.lineage_keys().len();
        self.lineage.set_len(n);
        self.lineage.select(0);
        if n == 0 {
            self.in_lineage = false;
        }
    }

    /// Go to the asset with this key.
    fn go(&mut self, key: &str, cx: &mut Cx<'_>) {
        match self.assets().iter().position(|a| a.key == key) {
            Some(i) => {
                self.list.select(i);
                self.in_lineage = false;
                self.lineage_changed();
            }
            None => cx.error(format!(
                "{key} is not among the assets listed — Ctrl-R reloads them"
            )),
        }
    }

    /// Whether a question or the partition form is open.
    pub fn modal(&self) -> bool {
        self.confirm.is_some() || self.partition.is_some()
    }

    /// Keys while the partition form or the question is open.
    fn update_modal(&mut self, action: &Action, cx: &mut Cx<'_>) -> Want {
        if let Some(m) = self.confirm.clone() {
            match action {
                Action::Yes => {
                    self.confirm = None;
                    return Want::Materialize(m);
                }
                Action::No | Action::Back => self.confirm = None,
                _ => {}
            }
            return Want::Nothing;
        }
        let Some((key, field)) = self.partition.as_mut() else {
            return Want::Nothing;
        };
        match action {
            Action::Text(e) => field.edit(e),
            Action::Back => self.partition = None,
            Action::Submit => {
                let p = field.value().trim().to_string();
                if p.is_empty() {
                    cx.error(format!(
                        "{key} is partitioned: type the partition to materialize"
                    ));
                    return Want::Nothing;
                }
                self.confirm = Some(Materialize {
                    key: key.clone(),
                    partition: Some(p),
                });
                self.partition = None;
            }
            _ => {}
        }
        Want::Nothing
    }

    /// One action in the Assets view; `url` is the instance's base URL.
    pub fn update(&mut self, action: &Action, url: Option<&str>, cx: &mut Cx<'_>) -> Want {
        if self.modal() {
            return self.update_modal(action, cx);
        }
        if self.in_lineage {
            match action {
                a if self.lineage.navigate(a) => {}
                Action::Back => self.in_lineage = false,
                Action::Open => {
                    let key = self
                        .lineage_keys()
                        .get(self.lineage.selected)
                        .map(|(_, k)| k.to_string());
                    if let Some(k) = key {
                        self.go(&k, cx);
                    }
                }
                _ => return self.update_list(action, url, cx),
            }
            return Want::Nothing;
        }
        self.update_list(action, url, cx)
    }

    fn update_list(&mut self, action: &Action, url: Option<&str>, cx: &mut Cx<'_>) -> Want {
        match action {
            a if self.list.navigate(a) => self.lineage_changed(),
            Action::Open => {
                if self.lineage_keys().is_empty() {
                    match self.selected() {
                        Some(a) => cx.info(format!(
                            "{} has no upstream or downstream assets",
                            a.key
                        )),
                        None => cx.error("no asset selected"),
                    }
                } else {
                    self.in_lineage = true;
                }
            }
            Action::Materialize | Action::Launch | Action::RunNow => match self.selected() {
                None => cx.error("select an asset to materialize"),
                Some(a) if !a.materializable => cx.error(format!(
                    "{} cannot be materialized (it is external or observable only): materialize the assets that compute it",
                    a.key
                )),
                Some(a) if a.partitions.is_some() => {
                    self.partition = Some((a.key.clone(), TextField::default()));
                }
                Some(a) => {
                    self.confirm = Some(Materialize {
                        key: a.key.clone(),
                        partition: None,
                    })
                }
            },
            Action::ToggleEnabled | Action::ExternalEdit => {
                cx.error("that key works on the jobs, schedules and sensors: v shows them")
            }
            Action::CopyLink => match (self.selected(), url) {
                (Some(a), Some(u)) => {
                    return Want::Copy(format!("{}/assets/{}", u.trim_end_matches('/'), a.key));
                }
                _ => cx.error("select an asset to copy its link"),
            },
            _ => {}
        }
        Want::Nothing
    }

    /// The list's and the lineage's heights for the pane's area below the
    /// health box (`rows` tall, `cols` wide).
    pub fn resize(&mut self, rows: u16, cols: u16) {
        if cols >= WIDE {
            // Column header and status line; the side column's borders.
            self.list.set_height(rows.saturating_sub(2) as usize);
            self.lineage
                .set_height((rows.saturating_sub(2) as usize).saturating_sub(HEAD_WIDE));
        } else {
            let list = rows.saturating_sub(2 + DETAIL_ROWS);
            self.list.set_height(list as usize);
            self.lineage
                .set_height((DETAIL_ROWS as usize - 2).saturating_sub(HEAD_NARROW));
        }
    }
}
