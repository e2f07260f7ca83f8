//! A piece of a run's output as read from a pipe, on its way into the
//! output log (`output_log.rs`). A fast reader (`exec::capture`) counts the
//! piece's newlines while the bytes are still in its cache, so the log
//! does not read them again, and lends the buffer: when the log drops the
//! piece (it fell out of the tail, or never got in), the buffer goes back
//! to the reader's `Pool` instead of to the allocator, so a job printing a
//! gigabyte reuses a few buffers rather than faulting in fresh memory for
//! each read.

use std::sync::{Arc, Mutex};

#[derive(Debug, Default)]
pub struct Piece {
    bytes: Vec<u8>,
    /// How many '\n' `bytes` holds, when the reader counted them.
    newlines: Option<u64>,
    home: Option<Arc<Pool>>,
}

impl Piece {
    /// A piece whose newlines are counted and whose buffer goes back to
    /// `home` when it is dropped.
    pub fn counted(bytes: Vec<u8>, home: Option<Arc<Pool>>) -> Piece {
        let newlines = Some(count_newlines(&bytes));
        Piece {
            bytes,
            newlines,
            home,
        }
    }

    pub fn newlines(&self) -> Option<u64> {
        self.newlines
    }

    /// Keep the first `len` bytes; the count stays true only when what is
    /// cut holds no newline (the caller's promise: it cuts after the last).
    pub fn cut_after_last_newline(&mut self, len: usize) {
        debug_assert!(!self.bytes[len.min(self.bytes.len())..].contains(&b'\n'));
        self.bytes.truncate(len);
    }
}

impl From<Vec<u8>> for Piece {
    fn from(bytes: Vec<u8>) -> Piece {
        Piece {
            bytes,
            newlines: None,
            home: None,
        }
    }
}

impl std::ops::Deref for Piece {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.bytes
    }
}

impl Drop for Piece {
    fn drop(&mut self) {
        if let Some(home) = self.home.take() {
            home.give(std::mem::take(&mut self.bytes));
        }
    }
}

/// Buffers lent out by one reader, back for reuse: at most `KEEP` wait
/// here (more are freed), each of the reader's one size.
#[derive(Debug)]
pub struct Pool {
    size: usize,
    free: Mutex<Vec<Vec<u8>>>,
}

/// Enough for the few pieces a tail holds and those in flight to cycle.
const KEEP: usize = 8;

impl Pool {
    pub fn new(size: usize) -> Arc<Pool> {
        Arc::new(Pool {
            size,
            free: Mutex::new(Vec::new()),
        })
    }

    /// An empty buffer of the pool's size: a returned one if any.
    pub fn take(&self) -> Vec<u8> {
        let back = self.free.lock().ok().and_then(|mut f| f.pop());
        back.unwrap_or_else(|| Vec::with_capacity(self.size))
    }

    /// How many buffers wait here.
    #[cfg(test)]
    pub fn waiting(&self) -> usize {
        self.free.lock().map_or(0, |f| f.len())
    }

    fn give(&self, mut buf: Vec<u8>) {
        if buf.capacity() != self.size {
            return;
        }
        buf.clear();
        if let Ok(mut f) = self.free.lock()
            && f.len() < KEEP
        {
            f.push(buf);
        }
    }
}

/// memchr's count: SIMD where the CPU has it.
pub fn count_newlines(b: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', b).count() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dropped_piece_brings_its_buffer_home_and_the_pool_stays_bounded() {
        let pool = Pool::new(1024);
        let mut b = pool.take();
        b.extend_from_slice(b"a\nb\nc");
        let ptr = b.as_ptr();
        let p = Piece::counted(b, Some(pool.clone()));
        assert_eq!(p.newlines(), Some(2));
        assert_eq!(&p[..], b"a\nb\nc");
        drop(p);
        let again = pool.take();
        assert_eq!(again.as_ptr(), ptr, "the same buffer, reused");
        assert!(again.is_empty());
        // Only buffers of the pool's size come back, and at most KEEP.
        let pieces: Vec<Piece> = (0..KEEP + 4)
            .map(|_| Piece::counted(Vec::with_capacity(1024), Some(pool.clone())))
            .collect();
        drop(pieces);
        drop(Piece::counted(Vec::with_capacity(10), Some(pool.clone())));
        assert_eq!(pool.free.lock().unwrap().len(), KEEP);
        // A piece of plain bytes has no count and no home.
        let plain = Piece::from(b"x\n".to_vec());
        assert_eq!(plain.newlines(), None);
    }
}
