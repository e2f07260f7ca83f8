//! The chat gateway on Telegram, inside `jr daemon`: long-poll the Bot API
//! and answer each text message from an allowed chat through the same
//! gateway as `jr chat` (`engine::chat::turn`), in a session per chat
//! (`telegram:<chat id>`) so follow-ups resolve as in the TUI, with the same
//! autonomy limits. Only the process holding the scheduler lease polls, so
//! two daemons never both answer. Each update is marked taken in the
//! database before it is answered, so a daemon that takes over (or starts
//! again after a crash) neither answers it twice nor runs its action twice.
//! A refused token, a 429 or a lost network is logged and waited out; the
//! scheduler runs on regardless.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::clients::llm::Llm;
use crate::clients::telegram::{Client, Incoming, TelegramConfig, TgError, send_all};
use crate::config::Config;
use crate::engine::chat::{ChatSetup, turn};
use crate::engine::lease::Me;
use crate::engine::shared::Shared;

/// The longest wait between two tries after errors.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// What the poller needs, read once at start.
pub struct Setup {
    pub tg: TelegramConfig,
    pub token: String,
    pub llm: Option<Arc<Llm>>,
    pub gateway: crate::config::GatewayConfig,
}

/// The Telegram setup from the config and the environment, or None (with
/// the reason logged) when it is absent or cannot be used.
pub fn setup(config: &Config) -> Option<Setup> {
    let tg = config.telegram.clone()?;
    let Some(var) = tg.token_env.clone() else {
        tracing::error!(
            "telegram: [telegram] has no token_env; set it to the NAME of the variable holding the bot token. Not polling."
        );
        return None;
    };
    let token = match std::env::var(&var) {
        Ok(t) if !t.trim().is_empty() => t.trim().to_string(),
        _ => {
            tracing::error!(
                "telegram: the environment variable {var} (telegram.token_env) is not set or empty. Not polling."
            );
            return None;
        }
    };
    if tg.allowed_chats.is_empty() {
        tracing::warn!(
            "telegram: telegram.allowed_chats is empty, so every message will be ignored; add your chat id (it is logged when you write to the bot)"
        );
    }
    Some(Setup {
        tg,
        token,
        llm: Llm::new(config.llm.clone()).ok().map(Arc::new),
        gateway: config.gateway.clone(),
    })
}

/// Poll and answer until `shutdown`.
pub async fn serve(db: Shared, s: Setup, me: Me, shutdown: CancellationToken) {
    let client = match Client::new(&s.tg.api_url, &s.token, s.tg.poll_timeout) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!("telegram: {e}. Not polling.");
            return;
        }
    };
    tracing::info!(
        chats = s.tg.allowed_chats.len(),
        "telegram: polling the Bot API"
    );
    let bot = bot_id(&s.token);
    let mut offset = 0i64;
    let mut backoff = Duration::from_secs(1);
    let mut ignored: HashSet<i64> = HashSet::new();
    let mut token_refused = false;
    while !shutdown.is_cancelled() {
        if !holds_lease(&db, &me).await {
            if pause(Duration::from_secs(1), &shutdown).await {
                break;
            }
            continue;
        }
        // Another daemon may have taken updates while this one waited for
        // the lease; a restart starts from what the last one took.
        offset = offset.max(stored_offset(&db, &bot).await);
        let polled = tokio::select! {
            r = client.get_updates(offset, s.tg.poll_timeout) => r,
            _ = shutdown.cancelled() => break,
        };
        let wait = match polled {
            Ok(updates) => {
                backoff = Duration::from_secs(1);
                token_refused = false;
                for u in updates {
                    if u.update_id < offset {
                        continue;
                    }
                    offset = u.update_id + 1;
                    // Taken before it is answered: at most once. An update
                    // that cannot be marked is left for the next poll.
                    match take(&db, &bot, offset).await {
                        Ok(true) => answer(&db, &s, &client, &u, &mut ignored).await,
                        // Taken by a daemon that held the lease a moment ago.
                        Ok(false) => {}
                        Err(e) => {
                            tracing::warn!(
                                "telegram: could not record update {}: {e}",
                                u.update_id
                            );
                            offset = u.update_id;
                            break;
                        }
                    }
                }
                continue;
            }
            Err(TgError::RetryAfter(d)) => {
                tracing::warn!(
                    "telegram: too many requests; waiting {}s as told",
                    d.as_secs()
                );
                d
            }
            Err(TgError::BadToken(why)) => {
                if !token_refused {
                    tracing::error!(
                        "telegram: the Bot API refused the token in {} ({why}); check it with @BotFather. Trying again every minute; the scheduler runs on.",
                        s.tg.token_env.as_deref().unwrap_or("?")
                    );
                    token_refused = true;
                }
                MAX_BACKOFF
            }
            Err(e) => {
                tracing::warn!("telegram: {e}; trying again in {}s", backoff.as_secs());
                let w = backoff;
                backoff = (backoff * 2).min(MAX_BACKOFF);
                w
            }
        };
        if pause(wait, &shutdown).await {
            break;
        }
    }
    tracing::info!("telegram: stopped");
}

/// Whether this process holds a live scheduler lease.
async fn holds_lease(db: &Shared, me: &Me) -> bool {
    let holder = me.holder.clone();
    db.call(move |e| {
        let now = e.now();
        Ok(e.lease()?
            .is_some_and(|l| l.holder == holder && l.expires_at > now))
    })
    .await
    .unwrap_or(false)
}

/// The bot's own id, the token's part before `:` (public: it is the bot's
/// user id), naming its stored offset; never the secret part.
fn bot_id(token: &str) -> String {
    match token.split_once(':') {
        Some((id, _)) if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) => id.to_string(),
        _ => "bot".to_string(),
    }
}

async fn stored_offset(db: &Shared, bot: &str) -> i64 {
    let bot = bot.to_string();
    db.call(move |e| e.telegram_offset(&bot)).await.unwrap_or(0)
}

async fn take(db: &Shared, bot: &str, next: i64) -> crate::error::Result<bool> {
    let bot = bot.to_string();
    db.call(move |e| e.take_telegram_updates(&bot, next)).await
}

/// Sleep, or true when shutdown came first.
async fn pause(d: Duration, shutdown: &CancellationToken) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(d) => false,
        _ = shutdown.cancelled() => true,
    }
}

/// Answer one update: ignored (logged once per chat) unless its chat is
/// allowed and it carries text.
async fn answer(db: &Shared, s: &Setup, client: &Client, u: &Incoming, ignored: &mut HashSet<i64>) {
    if !s.tg.allowed_chats.contains(&u.chat_id) {
        if ignored.insert(u.chat_id) {
            tracing::warn!(
                chat = u.chat_id,
                "telegram: ignoring messages from chat {} (not in telegram.allowed_chats)",
                u.chat_id
            );
        }
        return;
    }
    let Some(text) = u.text.as_deref().map(command).filter(|t| !t.is_empty()) else {
        return;
    };
    let setup = ChatSetup {
        llm: s.llm.clone(),
        gateway: s.gateway.clone(),
        session: format!("telegram:{}", u.chat_id),
    };
    let reply = match turn(db, &setup, text, false).await {
        Ok(r) => r.reply,
        Err(e) => format!("error: {}", e.message),
    };
    if let Err(e) = send_all(client, u.chat_id, &reply).await {
        tracing::warn!(
            chat = u.chat_id,
            "telegram: the reply was not delivered: {e}"
        );
    }
}

/// Bot commands as the gateway reads them: `/start` and `/help` ask what
/// it can do; any other `/command@bot rest` is its words.
fn command(text: &str) -> &str {
    let t = text.trim();
    let Some(rest) = t.strip_prefix('/') else {
        return t;
    };
    let (cmd, args) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let cmd = cmd.split('@').next().unwrap_or("");
    match cmd {
        "start" | "help" => "what can you do?",
        _ if args.trim().is_empty() => t,
        _ => args.trim(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn commands() {
        for (text, want) in [
            ("/start", "what can you do?"),
            ("/help@jr_bot", "what can you do?"),
            ("  작업 목록 보여줘 ", "작업 목록 보여줘"),
            ("/run@jr_bot backup 돌려줘", "backup 돌려줘"),
            ("/status", "/status"),
        ] {
            assert_eq!(super::command(text), want, "{text}");
        }
    }
}
