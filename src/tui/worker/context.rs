//! The worker's side of the Context pane and the Cards and Agents panes:
//! search the context registry, its sessions, a page of one session's
//! messages; the knowledge cards and a grade; the agent manager's lists.

use super::{Payload, WorkerState};
use crate::domain::agent::{Agent, AgentRun, McpServer, Model, Skill};
use crate::domain::cards::Card;
use crate::engine::SessionRow;
use crate::engine::context::{ContextQuery, Hit, SessionView};
use crate::error::Result;

/// Hits a search shows, at most.
pub const HITS: usize = 100;
/// Sessions listed, most recently active first.
pub const SESSIONS: usize = 200;
/// Messages of a session read at a time.
pub const MESSAGES: usize = 200;
/// Cards read for the list, and due cards for a review.
pub const CARDS: usize = 500;
/// Agent executions listed.
pub const AGENT_RUNS: usize = 100;

/// What a search found.
#[derive(Debug, Clone)]
pub struct Hits {
    pub query: String,
    pub hits: Vec<Hit>,
    /// Set when only the newest this many matches were ranked.
    pub ranked_newest: Option<usize>,
}

/// A page of a session's messages, read after message id `after`.
#[derive(Debug, Clone)]
pub struct SessionPage {
    pub view: SessionView,
    pub after: i64,
    /// A full page: more may follow.
    pub more: bool,
}

/// The Cards pane's data: due cards (oldest due first), every card, counts.
#[derive(Debug, Clone, PartialEq)]
pub struct CardsData {
    pub due: Vec<Card>,
    pub all: Vec<Card>,
    /// (cards, due now)
    pub counts: (i64, i64),
}

/// The Agents pane's data.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentsData {
    pub agents: Vec<Agent>,
    pub runs: Vec<AgentRun>,
    pub skills: Vec<Skill>,
    pub mcps: Vec<McpServer>,
    pub models: Vec<Model>,
}

impl WorkerState {
    pub(super) fn context_search(&self, query: String) -> Result<Payload> {
        let out = self.engine.search_context(&ContextQuery {
            query: query.clone(),
            limit: HITS,
            ..ContextQuery::default()
        })?;
        Ok(Payload::ContextHits(Box::new(Hits {
            query,
            hits: out.hits,
            ranked_newest: out.ranked_newest,
        })))
    }

    pub(super) fn context_sessions(&self) -> Result<Vec<SessionRow>> {
        self.engine.context_sessions(None, None, None, SESSIONS)
    }

    pub(super) fn context_session(
        &self,
        channel: &str,
        session: &str,
        after: i64,
    ) -> Result<Payload> {
        let view = self
            .engine
            .context_session(session, Some(channel), after, MESSAGES)?;
        let more = view.messages.len() >= MESSAGES;
        Ok(Payload::ContextSession(Box::new(SessionPage {
            view,
            after,
            more,
        })))
    }

    pub(super) fn cards(&self) -> Result<Payload> {
        let e = &self.engine;
        let c = e.card_counts()?;
        Ok(Payload::Cards(Box::new(CardsData {
            due: e.cards_due(CARDS)?,
            all: e.list_cards(CARDS)?,
            counts: (c.cards, c.due),
        })))
    }

    pub(super) fn grade(&self, id: i64, grade: u8) -> Result<Payload> {
        let c = self.engine.grade_card(id, grade)?;
        Ok(Payload::CardGraded(Box::new(c)))
    }

    pub(super) fn agents(&self) -> Result<Payload> {
        let e = &self.engine;
        Ok(Payload::Agents(Box::new(AgentsData {
            agents: e.list_agents()?,
            runs: e.agent_runs(None, AGENT_RUNS)?,
            skills: e.list_skills()?,
            mcps: e.list_mcps()?,
            models: e.list_models()?,
        })))
    }
}
