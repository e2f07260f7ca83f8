//! A run's output under a size cap: the first half of the budget keeps the
//! head as it arrives, the second half a rolling tail; what falls out of the
//! middle is counted and marked with one `cut` line. Memory stays bounded by
//! the cap however much a job prints. Pure: the runner writes each `Flush`.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};

use crate::domain::OutputLine;

#[derive(Debug)]
pub struct CappedLog {
    half: u64,
    next_seq: i64,
    head_bytes: u64,
    /// Seq of the last head line once the head is full.
    head_end: Option<i64>,
    pending: Vec<OutputLine>,
    tail: VecDeque<OutputLine>,
    tail_bytes: u64,
    tail_dirty: bool,
    cut_bytes: u64,
    cut_lines: u64,
    total_bytes: u64,
}

/// What to write: lines to append, and possibly a rewritten tail.
#[derive(Debug, Default)]
pub struct Flush {
    pub append: Vec<OutputLine>,
    /// Delete stored lines from `from_seq` on, then insert these.
    pub tail: Option<(i64, Vec<OutputLine>)>,
    pub total_bytes: u64,
    pub cut_bytes: u64,
}

fn size(l: &OutputLine) -> u64 {
    l.line.len() as u64 + 1
}

impl CappedLog {
    pub fn new(cap: u64) -> CappedLog {
        CappedLog {
            half: (cap / 2).max(1024),
            next_seq: 1,
            head_bytes: 0,
            head_end: None,
            pending: Vec::new(),
            tail: VecDeque::new(),
            tail_bytes: 0,
            tail_dirty: false,
            cut_bytes: 0,
            cut_lines: 0,
            total_bytes: 0,
        }
    }

    /// Continue a run's stored output (a resumed run): numbering after
    /// `last_seq`, with `bytes` of the budget already used by the head.
    pub fn continuing(cap: u64, last_seq: i64, bytes: u64) -> CappedLog {
        let mut log = CappedLog::new(cap);
        log.next_seq = last_seq + 1;
        log.total_bytes = bytes;
        log.head_bytes = bytes.min(log.half);
        if bytes >= log.half {
            log.head_end = Some(last_seq);
        }
        log
    }

    pub fn push(&mut self, stream: &str, text: String, at: DateTime<Utc>) {
        let line = OutputLine {
            seq: self.next_seq,
            at,
            stream: stream.to_string(),
            line: text,
        };
        self.next_seq += 1;
        let n = size(&line);
        self.total_bytes += n;
        if self.head_end.is_none() {
            if self.head_bytes + n <= self.half {
                self.head_bytes += n;
                self.pending.push(line);
                return;
            }
            self.head_end = Some(line.seq - 1);
        }
        self.tail_bytes += n;
        self.tail.push_back(line);
        self.tail_dirty = true;
        while self.tail_bytes > self.half {
            let Some(old) = self.tail.pop_front() else {
                break;
            };
            self.tail_bytes -= size(&old);
            self.cut_bytes += size(&old);
            self.cut_lines += 1;
        }
    }

    pub fn has_pending(&self) -> bool {
        !self.pending.is_empty() || self.tail_dirty
    }

    pub fn flush(&mut self) -> Flush {
        let mut f = Flush {
            append: std::mem::take(&mut self.pending),
            tail: None,
            total_bytes: self.total_bytes,
            cut_bytes: self.cut_bytes,
        };
        if self.tail_dirty {
            self.tail_dirty = false;
            let from = self.head_end.unwrap_or(0) + 1;
            let mut lines = Vec::with_capacity(self.tail.len() + 1);
            if self.cut_lines > 0 {
                let at = self.tail.front().map(|l| l.at).unwrap_or_else(Utc::now);
                lines.push(OutputLine {
                    seq: from,
                    at,
                    stream: "cut".into(),
                    line: format!(
                        "[jr: {} lines ({} bytes) cut from the middle; the output cap keeps the head and the tail]",
                        self.cut_lines, self.cut_bytes
                    ),
                });
            }
            lines.extend(self.tail.iter().cloned());
            f.tail = Some((from, lines));
        }
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_output_is_kept_whole() {
        let mut log = CappedLog::new(1 << 20);
        for i in 0..10 {
            log.push("out", format!("line {i}"), Utc::now());
        }
        let f = log.flush();
        assert_eq!(f.append.len(), 10);
        assert!(f.tail.is_none());
        assert_eq!(f.cut_bytes, 0);
    }

    #[test]
    fn big_output_keeps_head_and_tail_within_the_cap() {
        let cap = 64 * 1024;
        let mut log = CappedLog::new(cap);
        let mut stored = 0u64;
        for i in 0..100_000 {
            log.push("out", format!("line number {i:06}"), Utc::now());
            if i % 1000 == 0 {
                let f = log.flush();
                stored += f.append.iter().map(size).sum::<u64>();
            }
        }
        let f = log.flush();
        stored += f.append.iter().map(size).sum::<u64>();
        let (from, tail) = f.tail.unwrap();
        assert_eq!(tail[0].stream, "cut");
        assert_eq!(tail[0].seq, from);
        assert!(tail.last().unwrap().line.ends_with("099999"));
        let tail_bytes: u64 = tail[1..].iter().map(size).sum();
        assert!(stored + tail_bytes <= cap, "{stored} + {tail_bytes}");
        assert!(f.cut_bytes > 0);
        assert!(log.tail.len() < 10_000, "memory stays bounded");
        // Seqs only grow, so a follower reading "after seq N" never goes back.
        assert!(tail.windows(2).all(|w| w[0].seq < w[1].seq));
    }
}
