//! `jr cards due|list|show|grade|review|edit|rm`: knowledge cards made by
//! the ambient job, reviewed with spaced repetition (SM-2), corrected or
//! deleted by hand.

use std::io::{BufRead, IsTerminal, Write};

use clap::{Args, Subcommand};

use super::Ctx;
use super::output::{self, Table, fit, one_line, paint};
use crate::domain::cards::{Card, parse_grade};
use crate::error::{Error, Result};

#[derive(Debug, Subcommand)]
pub enum CardsCmd {
    /// Cards due for review now.
    Due(ListArgs),
    /// All cards, newest first.
    #[command(alias = "ls")]
    List(ListArgs),
    /// One card with its sources and schedule.
    Show(ShowArgs),
    /// Record a review: again, hard, good, easy (or 0-5).
    Grade(GradeArgs),
    /// Review the due cards one by one on the terminal.
    Review(ReviewArgs),
    /// Correct a card's question and/or answer (its review schedule stays).
    Edit(EditArgs),
    /// Delete a card (asks first; --yes does not).
    #[command(alias = "delete")]
    Rm(RmArgs),
}

#[derive(Debug, Args)]
pub struct EditArgs {
    pub id: i64,
    #[arg(long, short)]
    pub question: Option<String>,
    #[arg(long, short)]
    pub answer: Option<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RmArgs {
    pub id: i64,
    #[arg(long, short)]
    pub yes: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[arg(long, short = 'n', default_value_t = 20)]
    pub limit: usize,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    pub id: i64,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct GradeArgs {
    pub id: i64,
    pub grade: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// Cards in this session at most.
    #[arg(long, short = 'n', default_value_t = 20)]
    pub limit: usize,
}

pub fn run(ctx: &Ctx, cmd: CardsCmd) -> Result<i32> {
    let e = ctx.engine()?;
    match cmd {
        CardsCmd::Due(a) => list(
            &e.cards_due(a.limit)?,
            a.json,
            "no cards are due; well done",
        ),
        CardsCmd::List(a) => list(
            &e.list_cards(a.limit)?,
            a.json,
            "no cards yet: add an ambient job (`jr jobs add cards --ambient knowledge-cards --model ollama/qwen2.5:7b --cron \"0 3 * * *\"`)",
        ),
        CardsCmd::Show(a) => {
            let c = e.get_card(a.id)?;
            if a.json {
                output::json(&c)?;
            } else {
                let tz = e.tz();
                output::out(&format!(
                    "{} {}\n  {}\n\n  {}{}\n  {}  ease {:.2}, interval {}d, {} reviews, due {}\n",
                    paint(output::BOLD, &format!("card #{}", c.id)),
                    paint(output::BOLD, &c.question),
                    c.answer,
                    paint(output::DIM, "from messages "),
                    c.sources
                        .iter()
                        .map(|s| format!("#{s}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    paint(output::DIM, "schedule"),
                    c.ease,
                    c.interval_days,
                    c.reviews,
                    c.due_at.with_timezone(&tz).format("%Y-%m-%d %H:%M")
                ))?;
            }
            Ok(0)
        }
        CardsCmd::Grade(a) => {
            let g = parse_grade(&a.grade).map_err(Error::user)?;
            let c = e.grade_card(a.id, g)?;
            if a.json {
                output::json(&c)?;
            } else {
                output::out(&format!(
                    "card #{} next due {}\n",
                    c.id,
                    c.due_at.with_timezone(&e.tz()).format("%Y-%m-%d %H:%M")
                ))?;
            }
            Ok(0)
        }
        CardsCmd::Edit(a) => {
            if a.question.is_none() && a.answer.is_none() {
                return Err(Error::user("nothing to change").hint(format!(
                    "jr cards edit {} --question TEXT --answer TEXT",
                    a.id
                )));
            }
            let c = e.edit_card(a.id, a.question.as_deref(), a.answer.as_deref())?;
            if a.json {
                output::json(&c)?;
            } else {
                output::out(&format!("saved card #{} {}\n", c.id, one_line(&c.question)))?;
            }
            Ok(0)
        }
        CardsCmd::Rm(a) => {
            let c = e.get_card(a.id)?;
            if !a.yes {
                super::confirm(&format!("delete card #{} {}?", c.id, one_line(&c.question)))?;
            }
            let c = e.remove_card(c.id)?;
            if a.json {
                output::json(&c)?;
            } else {
                output::out(&format!(
                    "deleted card #{} {}\n",
                    c.id,
                    one_line(&c.question)
                ))?;
            }
            Ok(0)
        }
        CardsCmd::Review(a) => {
            if !std::io::stdin().is_terminal() {
                return Err(Error::user("`jr cards review` asks on a terminal")
                    .hint("use `jr cards due` and `jr cards grade ID good`"));
            }
            let due = e.cards_due(a.limit)?;
            if due.is_empty() {
                output::out("no cards are due\n")?;
                return Ok(0);
            }
            let stdin = std::io::stdin();
            let mut lines = stdin.lock().lines();
            for (i, c) in due.iter().enumerate() {
                output::out(&format!(
                    "\n[{}/{}] {}\n",
                    i + 1,
                    due.len(),
                    paint(output::BOLD, &c.question)
                ))?;
                eprint!("  (Enter to show the answer, q to stop) ");
                let _ = std::io::stderr().flush();
                let Some(Ok(l)) = lines.next() else { break };
                if l.trim() == "q" {
                    break;
                }
                output::out(&format!("  {}\n", c.answer))?;
                loop {
                    eprint!("  grade: again, hard, good, easy (or 0-5) > ");
                    let _ = std::io::stderr().flush();
                    let Some(Ok(l)) = lines.next() else {
                        return Ok(0);
                    };
                    match parse_grade(&l) {
                        Ok(g) => {
                            let c = e.grade_card(c.id, g)?;
                            output::out(&format!("  next in {}d\n", c.interval_days))?;
                            break;
                        }
                        Err(m) => eprintln!("  {m}"),
                    }
                }
            }
            Ok(0)
        }
    }
}

fn list(cards: &[Card], json: bool, empty: &str) -> Result<i32> {
    if json {
        output::json(cards)?;
    } else if cards.is_empty() {
        output::out(&format!("{empty}\n"))?;
    } else {
        let mut t = Table::new(&["ID", "DUE", "REVIEWS", "QUESTION"]);
        for c in cards {
            t.row(vec![
                c.id.to_string().into(),
                c.due_at.format("%m-%d %H:%M").to_string().into(),
                c.reviews.to_string().into(),
                fit(&one_line(&c.question), 70).into(),
            ]);
        }
        output::out(&t.render())?;
    }
    Ok(0)
}
