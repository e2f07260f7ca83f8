//! A run's output under a size cap: the first half of the budget keeps the
//! head as it arrives, the second half a rolling tail; what falls out of the
//! middle is counted and marked with one `cut` line. Pure: the runner writes
//! each `Flush`.
//!
//! The budget counts what is stored: each line costs its text plus
//! `LINE_COST` for its record (seq, time, stream, row), so a million
//! one-byte lines cannot store 30 times the cap. Once the head is full, raw
//! chunks from a pipe are kept as they came (`Seg`: whole lines, counted
//! at SIMD speed, never split per line), and only the lines that
//! survive into a flush are cut into records: a job printing a gigabyte of
//! one-byte lines costs one memory copy and a count per byte, and
//! memory stays at about the cap plus one chunk.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};

use super::output_piece::Piece;
use crate::domain::OutputLine;

/// Longest line kept whole; longer ones are split.
pub const MAX_LINE: usize = 4096;

/// What one stored line costs beyond its text: the row's seq, time, stream
/// and SQLite's record and cell headers (about 30 bytes), with its newline.
pub const LINE_COST: u64 = 32;

/// Budget of the tail a live flush stores (see `CappedLog::flush_live`):
/// about 2,000 one-byte lines.
pub const LIVE_TAIL: u64 = 64 * 1024;

#[derive(Debug)]
pub struct CappedLog {
    half: u64,
    next_seq: i64,
    head_bytes: u64,
    /// Seq of the last head line once the head is full.
    head_end: Option<i64>,
    pending: Vec<OutputLine>,
    /// Unfinished line of each pipe (out, err), at most `MAX_LINE`.
    carry: [Vec<u8>; 2],
    tail: VecDeque<Seg>,
    /// Cost of every segment in `tail`.
    tail_cost: u64,
    /// Bytes that entered the tail so far: the next segment's offset.
    tail_offset: u64,
    tail_dirty: bool,
    /// The stored tail is a live one, shorter than the budget (`flush_live`):
    /// the last flush writes it in full.
    tail_short: bool,
    /// Lines and bytes of segments dropped whole from the front.
    cut_bytes: u64,
    cut_lines: u64,
    total_bytes: u64,
    /// The cut the last full flush reported (head-only flushes repeat it).
    reported_cut: u64,
}

/// Whole lines (each ending in '\n') that arrived together: a piece as
/// read (no copy) from `start` on.
#[derive(Debug)]
struct Seg {
    stream: &'static str,
    at: DateTime<Utc>,
    piece: Piece,
    start: usize,
    lines: u64,
    /// Where `bytes` starts in everything the tail received: seqs of tail
    /// lines are `tail_base + offset of the line`, so they only grow.
    offset: u64,
}

impl Seg {
    fn bytes(&self) -> &[u8] {
        &self.piece[self.start..]
    }

    fn cost(&self) -> u64 {
        self.bytes().len() as u64 - self.lines + self.lines * LINE_COST
    }
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

/// What a stored line costs against the cap.
pub fn cost(l: &OutputLine) -> u64 {
    l.line.len() as u64 + LINE_COST
}

fn newlines(b: &[u8]) -> u64 {
    super::output_piece::count_newlines(b)
}

fn stream_index(stream: &str) -> usize {
    usize::from(stream == "err")
}

impl CappedLog {
    pub fn new(cap: u64) -> CappedLog {
        CappedLog {
            half: (cap / 2).max(1024),
            next_seq: 1,
            head_bytes: 0,
            head_end: None,
            pending: Vec::new(),
            carry: [Vec::new(), Vec::new()],
            tail: VecDeque::new(),
            tail_cost: 0,
            tail_offset: 0,
            tail_dirty: false,
            tail_short: false,
            cut_bytes: 0,
            cut_lines: 0,
            total_bytes: 0,
            reported_cut: 0,
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

    /// One whole line (from jr, an agent, Dagster).
    pub fn push(&mut self, stream: &str, text: String, at: DateTime<Utc>) {
        self.total_bytes += text.len() as u64 + 1;
        if self.head_end.is_none() {
            let line = OutputLine {
                seq: self.next_seq,
                at,
                stream: stream.to_string(),
                line: text,
            };
            let n = cost(&line);
            if self.head_bytes + n <= self.half {
                self.next_seq += 1;
                self.head_bytes += n;
                self.pending.push(line);
                return;
            }
            self.head_end = Some(self.next_seq - 1);
            let mut bytes = line.line.into_bytes();
            bytes.push(b'\n');
            self.append_seg(static_stream(stream), at, bytes.into(), 0);
            return;
        }
        let mut bytes = text.into_bytes();
        bytes.push(b'\n');
        self.append_seg(static_stream(stream), at, bytes.into(), 0);
    }

    /// Bytes as read from a pipe (`out` or `err`): lines are cut here, a
    /// line split across reads is joined, one longer than `MAX_LINE` split.
    pub fn push_bytes(&mut self, stream: &str, bytes: impl Into<Piece>, at: DateTime<Utc>) {
        let mut bytes: Piece = bytes.into();
        let s = stream_index(stream);
        let name = static_stream(stream);
        // The head is full: the piece's whole lines become a segment as
        // they are (no copy; the line pending from the last piece, ended
        // by this one's first newline, one of its own).
        if self.head_end.is_some() {
            self.total_bytes += bytes.len() as u64;
            match memchr::memrchr(b'\n', &bytes) {
                Some(last) => {
                    let mut start = 0;
                    let mut lines = bytes.newlines();
                    if !self.carry[s].is_empty() {
                        let first = memchr::memchr(b'\n', &bytes).unwrap_or(last);
                        let mut line = std::mem::take(&mut self.carry[s]);
                        line.extend_from_slice(&bytes[..=first]);
                        self.append_seg(name, at, line.into(), 0);
                        start = first + 1;
                        lines = lines.map(|n| n - 1);
                    }
                    self.carry[s].extend_from_slice(&bytes[last + 1..]);
                    bytes.cut_after_last_newline(last + 1);
                    if start < bytes.len() {
                        let lines = lines.unwrap_or_else(|| newlines(&bytes[start..]));
                        self.append_counted(name, at, bytes, start, lines);
                    }
                }
                None => self.carry[s].extend_from_slice(&bytes),
            }
            if self.carry[s].len() >= MAX_LINE {
                let mut seg = std::mem::take(&mut self.carry[s]);
                seg.push(b'\n');
                self.append_seg(name, at, seg.into(), 0);
            }
            return;
        }
        let mut rest: &[u8] = &bytes;
        // While the head has room: line by line (the head is small).
        while self.head_end.is_none() && !rest.is_empty() {
            match memchr::memchr(b'\n', rest) {
                Some(i) => {
                    let mut line = std::mem::take(&mut self.carry[s]);
                    line.extend_from_slice(&rest[..i]);
                    rest = &rest[i + 1..];
                    self.push_piece_lines(name, line, at);
                }
                None => {
                    self.carry[s].extend_from_slice(rest);
                    rest = &[];
                    if self.carry[s].len() >= MAX_LINE {
                        let line = std::mem::take(&mut self.carry[s]);
                        self.push_piece_lines(name, line, at);
                    }
                }
            }
        }
        if rest.is_empty() {
            return;
        }
        self.total_bytes += rest.len() as u64;
        // The tail: whole lines go in as one segment, the rest waits.
        match memchr::memrchr(b'\n', rest) {
            Some(i) => {
                let mut seg = std::mem::take(&mut self.carry[s]);
                seg.extend_from_slice(&rest[..=i]);
                self.carry[s].extend_from_slice(&rest[i + 1..]);
                self.append_seg(name, at, seg.into(), 0);
            }
            None => self.carry[s].extend_from_slice(rest),
        }
        if self.carry[s].len() >= MAX_LINE {
            let mut seg = std::mem::take(&mut self.carry[s]);
            seg.push(b'\n');
            self.append_seg(name, at, seg.into(), 0);
        }
    }

    /// A pipe ended: its unfinished line is a line.
    pub fn end_stream(&mut self, stream: &str, at: DateTime<Utc>) {
        let s = stream_index(stream);
        if self.carry[s].is_empty() {
            return;
        }
        let line = std::mem::take(&mut self.carry[s]);
        if self.head_end.is_none() {
            self.push_piece_lines(static_stream(stream), line, at);
        } else {
            let mut seg = line;
            seg.push(b'\n');
            self.append_seg(static_stream(stream), at, seg.into(), 0);
        }
    }

    /// A line from a pipe while in the head: '\r' dropped, split at MAX_LINE.
    fn push_piece_lines(&mut self, stream: &'static str, mut line: Vec<u8>, at: DateTime<Utc>) {
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        // Bytes counted by `push` (text + newline); the raw newline was one.
        for piece in line
            .chunks(MAX_LINE)
            .chain(line.is_empty().then_some(&[][..]))
        {
            self.push(stream, String::from_utf8_lossy(piece).into_owned(), at);
        }
    }

    /// Whole lines into the tail (their bytes are counted by the caller).
    fn append_seg(&mut self, stream: &'static str, at: DateTime<Utc>, piece: Piece, start: usize) {
        let lines = newlines(&piece[start..]);
        self.append_counted(stream, at, piece, start, lines);
    }

    /// `append_seg` with the newlines of `piece[start..]` known.
    fn append_counted(
        &mut self,
        stream: &'static str,
        at: DateTime<Utc>,
        piece: Piece,
        start: usize,
        lines: u64,
    ) {
        let seg = Seg {
            stream,
            at,
            lines,
            offset: self.tail_offset,
            piece,
            start,
        };
        self.tail_offset += seg.bytes().len() as u64;
        self.tail_cost += seg.cost();
        self.tail.push_back(seg);
        self.tail_dirty = true;
        // Drop whole segments from the front while the rest fills the budget.
        while let Some(front) = self.tail.front() {
            if self.tail_cost - front.cost() < self.half {
                break;
            }
            let Some(old) = self.tail.pop_front() else {
                break;
            };
            self.tail_cost -= old.cost();
            self.cut_bytes += old.bytes().len() as u64;
            self.cut_lines += old.lines;
        }
    }

    /// Only the head lines waiting (cheap appends); the tail waits for `flush`.
    pub fn flush_head(&mut self) -> Flush {
        Flush {
            append: std::mem::take(&mut self.pending),
            tail: None,
            total_bytes: self.total_bytes,
            cut_bytes: self.reported_cut,
        }
    }

    pub fn has_pending(&self) -> bool {
        !self.pending.is_empty() || self.tail_dirty || self.tail_short
    }

    /// Everything waiting, the tail in full (the run's last flush).
    pub fn flush(&mut self) -> Flush {
        self.flush_within(self.half)
    }

    /// A flush while the run prints: the tail is rewritten with only its
    /// newest `LIVE_TAIL` of budget (what a follower looks at), so a noisy
    /// job's once-a-second rewrite stays a few thousand rows, a short write
    /// transaction; the last `flush` stores the whole tail.
    pub fn flush_live(&mut self) -> Flush {
        let live = self.half.min(LIVE_TAIL);
        if self.tail_dirty && live < self.tail_cost {
            self.tail_short = true;
        }
        self.flush_within(live)
    }

    fn flush_within(&mut self, budget: u64) -> Flush {
        let mut f = Flush {
            append: std::mem::take(&mut self.pending),
            tail: None,
            total_bytes: self.total_bytes,
            cut_bytes: self.reported_cut,
        };
        if budget >= self.half && self.tail_short {
            self.tail_short = false;
            self.tail_dirty = true;
        }
        if self.tail_dirty {
            self.tail_dirty = false;
            let from = self.head_end.unwrap_or(0) + 1;
            let base = from + 1;
            // The newest lines that fit the budget, walking back.
            let mut kept: Vec<OutputLine> = Vec::new();
            let mut budget = budget;
            let (mut cut_lines, mut cut_bytes) = (self.cut_lines, self.cut_bytes);
            let mut full = false;
            for seg in self.tail.iter().rev() {
                if full {
                    cut_lines += seg.lines;
                    cut_bytes += seg.bytes().len() as u64;
                    continue;
                }
                let bytes = seg.bytes();
                let body = &bytes[..bytes.len().saturating_sub(1)];
                let mut end = body.len();
                let mut starts: Vec<usize> = Vec::new();
                loop {
                    let start = memchr::memrchr(b'\n', &body[..end]).map_or(0, |i| i + 1);
                    let c = (end - start) as u64 + LINE_COST;
                    if c > budget {
                        full = true;
                        let dropped = &bytes[..end.min(bytes.len())];
                        cut_lines += newlines(dropped) + 1;
                        cut_bytes += end as u64 + 1;
                        break;
                    }
                    budget -= c;
                    starts.push(start);
                    if start == 0 {
                        break;
                    }
                    end = start - 1;
                }
                // Newest first; `kept` is reversed once at the end.
                for &start in &starts {
                    let stop =
                        memchr::memchr(b'\n', &body[start..]).map_or(body.len(), |i| start + i);
                    let mut line = &body[start..stop];
                    if line.last() == Some(&b'\r') {
                        line = &line[..line.len() - 1];
                    }
                    let seq0 = base + (seg.offset + start as u64) as i64;
                    let pieces: Vec<&[u8]> = if line.is_empty() {
                        vec![&[][..]]
                    } else {
                        line.chunks(MAX_LINE).collect()
                    };
                    for (k, piece) in pieces.into_iter().enumerate().rev() {
                        kept.push(OutputLine {
                            seq: seq0 + k as i64,
                            at: seg.at,
                            stream: seg.stream.to_string(),
                            line: String::from_utf8_lossy(piece).into_owned(),
                        });
                    }
                }
            }
            kept.reverse();
            let mut lines = Vec::with_capacity(kept.len() + 1);
            if cut_lines > 0 {
                let at = kept.first().map(|l| l.at).unwrap_or_else(Utc::now);
                lines.push(OutputLine {
                    seq: from,
                    at,
                    stream: "cut".into(),
                    line: format!(
                        "[jr: {cut_lines} lines ({cut_bytes} bytes) cut from the middle; the output cap keeps the head and the tail]"
                    ),
                });
            }
            lines.extend(kept);
            f.cut_bytes = cut_bytes;
            self.reported_cut = cut_bytes;
            f.tail = Some((from, lines));
        }
        f
    }
}

fn static_stream(s: &str) -> &'static str {
    match s {
        "out" => "out",
        "err" => "err",
        "cut" => "cut",
        _ => "jr",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(lines: &[OutputLine]) -> u64 {
        lines.iter().map(cost).sum()
    }

    #[test]
    fn newlines_are_counted_exactly() {
        let mut text = Vec::new();
        for i in 0..1000u32 {
            text.push(b"a\n\x0b\x8a\xff\n\n\t"[(i % 8) as usize]);
            text.push((i * 37 % 256) as u8);
        }
        for start in 0..9 {
            let b = &text[start..];
            let plain = b.iter().filter(|&&c| c == b'\n').count() as u64;
            assert_eq!(newlines(b), plain, "from {start}");
        }
    }

    #[test]
    fn small_output_is_kept_whole() {
        let mut log = CappedLog::new(1 << 20);
        for i in 0..10 {
            log.push("out", format!("line {i}"), Utc::now());
        }
        log.push_bytes("err", b"a\r\nb\nc".to_vec(), Utc::now());
        log.end_stream("err", Utc::now());
        let f = log.flush();
        assert_eq!(f.append.len(), 13);
        let last: Vec<&str> = f.append[10..].iter().map(|l| l.line.as_str()).collect();
        assert_eq!(last, ["a", "b", "c"]);
        assert!(f.tail.is_none());
        assert_eq!(f.cut_bytes, 0);
    }

    #[test]
    fn big_output_keeps_head_and_tail_within_the_cap() {
        let cap = 64 * 1024;
        let mut log = CappedLog::new(cap);
        let mut head = 0u64;
        for i in 0..100_000 {
            log.push("out", format!("line number {i:06}"), Utc::now());
            if i % 1000 == 0 {
                head += stored(&log.flush().append);
            }
        }
        let f = log.flush();
        head += stored(&f.append);
        let (from, tail) = f.tail.unwrap();
        assert_eq!(tail[0].stream, "cut");
        assert_eq!(tail[0].seq, from);
        assert!(tail.last().unwrap().line.ends_with("099999"));
        assert!(head + stored(&tail[1..]) <= cap, "{head} + tail");
        assert!(f.cut_bytes > 0);
        // Seqs only grow, so a follower reading "after seq N" never goes back.
        assert!(tail.windows(2).all(|w| w[0].seq < w[1].seq));
    }

    #[test]
    fn one_byte_lines_count_their_records() {
        let cap = 1 << 20;
        let mut log = CappedLog::new(cap);
        let chunk = b"a\n".repeat(64 * 1024);
        let mut appended = Vec::new();
        let mut last_tail_seq = 0;
        for i in 0..200 {
            log.push_bytes("out", chunk.clone(), Utc::now());
            if i % 10 == 0 {
                let f = log.flush();
                appended.extend(f.append);
                if let Some((_, t)) = f.tail {
                    let last = t.last().unwrap().seq;
                    assert!(last > last_tail_seq, "tail seqs only grow");
                    last_tail_seq = last;
                }
            }
            assert!(log.tail.iter().map(|s| s.bytes().len()).sum::<usize>() < 2 * cap as usize);
        }
        let f = log.flush();
        appended.extend(f.append);
        let (_, tail) = f.tail.unwrap();
        let total = stored(&appended) + stored(&tail);
        assert!(total <= cap + 200, "stored {total} under a cap of {cap}");
        assert!(total > cap * 9 / 10, "the cap is used: {total}");
        assert_eq!(f.total_bytes, 200 * chunk.len() as u64);
        let lines_seen = 200 * 64 * 1024;
        let kept = appended.len() + tail.len() - 1;
        assert!(
            tail[0]
                .line
                .contains(&format!("{} lines", lines_seen - kept)),
            "{}",
            tail[0].line
        );
        assert!(tail.windows(2).all(|w| w[0].seq < w[1].seq));
    }

    #[test]
    fn a_live_flush_stores_a_short_tail_and_the_last_one_the_whole() {
        let cap = 1 << 20;
        let mut log = CappedLog::new(cap);
        for _ in 0..50 {
            log.push_bytes("out", b"a\n".repeat(64 * 1024), Utc::now());
        }
        let live = log.flush_live();
        let (_, short) = live.tail.unwrap();
        assert!(
            stored(&short[1..]) <= LIVE_TAIL,
            "a live tail keeps about LIVE_TAIL: {}",
            stored(&short[1..])
        );
        assert!(log.has_pending(), "the whole tail is still owed");
        // Nothing new printed: the last flush still writes the whole tail
        // (within half the cap), ending on the same newest line.
        let last = log.flush();
        let (_, whole) = last.tail.unwrap();
        assert!(
            whole.len() > short.len() * 4,
            "{} vs {}",
            whole.len(),
            short.len()
        );
        assert!(stored(&whole[1..]) <= cap / 2);
        assert_eq!(whole.last().unwrap().seq, short.last().unwrap().seq);
        assert!(!log.has_pending());
    }

    #[test]
    fn long_lines_and_split_reads_in_the_tail() {
        let mut log = CappedLog::new(32 * 1024);
        log.push_bytes("out", vec![b'x'; 20_000], Utc::now());
        log.push_bytes("out", b"abc".to_vec(), Utc::now());
        log.push_bytes("err", b"e1\n".to_vec(), Utc::now());
        log.push_bytes("out", b"def\nlast".to_vec(), Utc::now());
        log.end_stream("out", Utc::now());
        let f = log.flush();
        let mut all: Vec<OutputLine> = f.append;
        all.extend(f.tail.map(|t| t.1).unwrap_or_default());
        assert!(all.iter().all(|l| l.line.len() <= MAX_LINE));
        let tail: Vec<&str> = all.iter().rev().take(3).map(|l| l.line.as_str()).collect();
        assert_eq!(tail, ["last", "abcdef", "e1"]);
        let xs: usize = all
            .iter()
            .filter(|l| l.line.starts_with('x'))
            .map(|l| l.line.len())
            .sum();
        assert_eq!(xs, 20_000, "the long line is kept in pieces");
    }

    /// Pieces counted and lent by a fast reader store exactly what the same
    /// bytes as plain chunks store, lines split across pieces included, and
    /// their buffers go home as they fall out of the tail.
    #[test]
    fn counted_pieces_store_what_plain_chunks_store() {
        use crate::engine::output_piece::{Piece, Pool};
        let cap = 64 * 1024;
        let text: Vec<u8> = (0..40_000u32)
            .flat_map(|i| format!("{}{}\n", "x".repeat((i % 13) as usize), i).into_bytes())
            .collect();
        let at = Utc::now();
        let (mut plain, mut lent) = (CappedLog::new(cap), CappedLog::new(cap));
        let pool = Pool::new(8 * 1024);
        let mut pos = 0;
        let mut k = 0usize;
        while pos < text.len() {
            // Pieces of 1 byte to 8 KiB, cut anywhere (mid-line mostly).
            let n = (1 + k * 7919 % 8192).min(text.len() - pos);
            k += 1;
            plain.push_bytes("out", text[pos..pos + n].to_vec(), at);
            let mut b = pool.take();
            b.extend_from_slice(&text[pos..pos + n]);
            lent.push_bytes("out", Piece::counted(b, Some(pool.clone())), at);
            pos += n;
        }
        plain.end_stream("out", at);
        lent.end_stream("out", at);
        let (a, b) = (plain.flush(), lent.flush());
        let lines = |f: &Flush| -> Vec<(i64, String)> {
            f.append
                .iter()
                .chain(f.tail.as_ref().map(|t| &t.1).into_iter().flatten())
                .map(|l| (l.seq, l.line.clone()))
                .collect()
        };
        assert_eq!(lines(&a), lines(&b));
        assert_eq!((a.total_bytes, a.cut_bytes), (b.total_bytes, b.cut_bytes));
        assert!(a.cut_bytes > 0, "the cap was reached");
        assert!(lines(&b).last().unwrap().1.ends_with("39999"));
        assert!(pool.waiting() > 0, "buffers came back to the pool");
    }
}
