//! `jr dagster assets | asset KEY | materialize KEY…`: Dagster's assets with
//! their health, one asset's lineage and materializations, and launching a
//! materialization, followed like a job launch.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use clap::Args;

use super::dagster_show as show;
use super::output::{self, Cell, Table, fit, one_line, paint, styled};
use crate::clients::dagster::assets::{Asset, AssetDetail, LastMaterialization};
use crate::engine::dagster::Dagster;
use crate::error::Result;

#[derive(Debug, Args)]
pub struct AssetsArgs {
    /// Only assets of this group.
    #[arg(long)]
    pub group: Option<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct AssetArgs {
    /// The asset key, its parts joined by `/`.
    pub key: String,
    /// How many recent materializations to show.
    #[arg(long, short = 'n', default_value_t = 10)]
    pub limit: usize,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct MaterializeArgs {
    /// Asset keys (parts joined by `/`), all in one code location.
    #[arg(required = true)]
    pub keys: Vec<String>,
    /// The partition to materialize (required for partitioned assets).
    #[arg(long, short)]
    pub partition: Option<String>,
    #[command(flatten)]
    pub flags: super::dagster_launch::LaunchFlags,
}

pub async fn list(dg: &Dagster, inst: Option<&str>, a: AssetsArgs, tz: Tz) -> Result<i32> {
    let mut assets = dg.client(inst)?.assets().await?;
    if let Some(g) = &a.group {
        assets.retain(|x| &x.group == g);
    }
    if a.json {
        output::json(&assets)?;
    } else {
        output::out(&table(&assets, tz, a.group.as_deref()))?;
    }
    Ok(0)
}

pub async fn one(dg: &Dagster, inst: Option<&str>, a: AssetArgs, tz: Tz) -> Result<i32> {
    let d = dg.client(inst)?.asset(&a.key, a.limit).await?;
    if a.json {
        output::json(&d)?;
    } else {
        output::out(&detail(&d, tz))?;
    }
    Ok(0)
}

pub async fn materialize(dg: &Dagster, inst: Option<&str>, m: MaterializeArgs) -> Result<i32> {
    let f = &m.flags;
    let (config, tags) = (f.config()?, super::dagster_launch::parse_tags(&f.tags)?);
    let c = dg.client(inst)?;
    let sel = c.selection(&m.keys, m.partition.as_deref()).await?;
    let id = c
        .materialize(&sel, m.partition.as_deref(), config.as_ref(), &tags)
        .await?;
    let label = match &m.partition {
        Some(p) => format!("{} (partition {p})", sel.describe()),
        None => sel.describe(),
    };
    super::dagster_launch::after_launch(&c, &id, &label, f.wait, f.json).await
}

fn when(t: Option<DateTime<Utc>>, tz: Tz) -> String {
    t.map(|d| d.with_timezone(&tz).format("%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

fn last(l: &Option<LastMaterialization>, tz: Tz) -> Cell {
    match l {
        None => styled("never", output::DIM),
        Some(l) => styled(
            format!("{} {}", when(l.time, tz), l.status),
            show::style_of(&l.status),
        ),
    }
}

fn stale_cell(s: &str) -> Cell {
    let style = match s {
        "fresh" => output::GREEN,
        "stale" => output::YELLOW,
        "missing" => output::RED,
        _ => output::DIM,
    };
    styled(s, style)
}

fn checks(a: &Asset) -> Cell {
    if a.checks.items.is_empty() {
        return "".into();
    }
    let mut s = format!("{}/{} passed", a.checks.passed, a.checks.items.len());
    if a.checks.failed == 0 {
        return s.into();
    }
    s.push_str(&format!(", {} failed", a.checks.failed));
    styled(s, output::RED)
}

fn partitions(a: &Asset) -> String {
    a.partitions
        .as_ref()
        .map(|p| {
            let mut s = format!("{}/{}", p.materialized, p.count);
            if p.failed > 0 {
                s.push_str(&format!(" ({} failed)", p.failed));
            }
            s
        })
        .unwrap_or_default()
}

pub fn table(assets: &[Asset], tz: Tz, group: Option<&str>) -> String {
    if assets.is_empty() {
        return match group {
            Some(g) => format!("no assets in group {g}\n"),
            None => "no assets\n".into(),
        };
    }
    let mut t = Table::new(&[
        "ASSET",
        "GROUP",
        "LOCATION",
        "LAST",
        "STATE",
        "PARTITIONS",
        "CHECKS",
    ]);
    for a in assets {
        t.row(vec![
            styled(fit(&one_line(&a.key), 40), output::BOLD),
            fit(&one_line(&a.group), 20).into(),
            styled(a.location.clone(), output::DIM),
            last(&a.last_materialization, tz),
            stale_cell(&a.stale),
            partitions(a).into(),
            checks(a),
        ]);
    }
    t.render()
}

pub fn detail(d: &AssetDetail, tz: Tz) -> String {
    let a = &d.asset;
    let mut s = format!(
        "{}  group {}  location {}{}\n",
        paint(output::BOLD, &one_line(&a.key)),
        one_line(&a.group),
        a.location,
        if a.kinds.is_empty() {
            String::new()
        } else {
            format!("  kinds {}", a.kinds.join(", "))
        }
    );
    if let Some(desc) = &a.description {
        s.push_str(&format!("  {}\n", one_line(desc)));
    }
    let paint_cell = |c: Cell| paint(c.style, &c.text);
    s.push_str(&format!(
        "  state {}   last {}\n",
        paint_cell(stale_cell(&a.stale)),
        paint_cell(last(&a.last_materialization, tz))
    ));
    if a.partitions.is_some() {
        s.push_str(&format!("  partitions {}\n", partitions(a)));
    }
    let list = |v: &[String]| {
        if v.is_empty() {
            paint(output::DIM, "none")
        } else {
            v.join(", ")
        }
    };
    s.push_str(&format!("  upstream   {}\n", list(&d.upstream)));
    s.push_str(&format!("  downstream {}\n", list(&d.downstream)));
    for c in &a.checks.items {
        s.push_str(&format!(
            "  check {}: {}\n",
            one_line(&c.name),
            c.status
                .as_deref()
                .map(show::status_word)
                .unwrap_or_else(|| paint(output::DIM, "not run"))
        ));
    }
    if d.materializations.is_empty() {
        s.push_str("  no materializations\n");
        return s;
    }
    let mut t = Table::new(&["WHEN", "RUN", "PARTITION", "METADATA"]);
    for m in &d.materializations {
        let meta: Vec<String> = m
            .metadata
            .iter()
            .map(|(k, v)| match v.as_str() {
                Some(x) => format!("{k}={x}"),
                None => format!("{k}={v}"),
            })
            .collect();
        t.row(vec![
            when(m.time, tz).into(),
            styled(m.run_id.chars().take(8).collect::<String>(), output::BOLD),
            m.partition.clone().unwrap_or_default().into(),
            fit(&one_line(&meta.join("  ")), 80).into(),
        ]);
    }
    s.push('\n');
    s.push_str(&t.render());
    s
}
