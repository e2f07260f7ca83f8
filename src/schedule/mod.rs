//! Pure scheduling: cron evaluation in time zones (`cron`), schedules in words
//! (`words`), and which fires to run, catch up or record as missed (`fires`).
//! No I/O, no tokio, no database; the driver lives in `drive`.

pub mod cron;
pub mod fires;
pub mod words;

pub use cron::{CronError, CronSchedule, parse_tz};
