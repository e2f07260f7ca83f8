//! Reading a shell run's stdout and stderr and passing the bytes on to the
//! output log, which cuts lines and keeps only what fits the cap (so a job
//! is never slowed by per-line work here).
//!
//! A quiet job (most of them: a burst of `true`) is read on the runtime
//! with a small buffer and costs no thread and no pipe resize. Once a read
//! fills that buffer the job is printing fast, and its pipe moves to a
//! reader thread of its own (`fast`): plain blocking reads into large
//! buffers, with small writes let to build up in a widened pipe before they
//! are read, so neither the runtime nor this thread is woken per write of
//! the job (a `head -c` writes 4 KiB at a time: a quarter of a million
//! wake-ups per gigabyte otherwise).

use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncReadExt};

use super::{Event, Events, Stream};
use crate::engine::output_piece::{Piece, Pool};

/// The first reads: up to 4 KiB (what most jobs print in all).
const FIRST_BUF: usize = 4 * 1024;
/// One piece passed on by a fast reader: up to 256 KiB (at most 16 wait
/// in the run's event queue: 4 MiB however fast the job prints).
const CHUNK: usize = 256 * 1024;
/// Longest a byte read by a fast reader waits before it is passed on, for
/// more to build up: well under the output log's first write (250 ms), so
/// a follower sees no difference.
const HOLD: Duration = Duration::from_millis(5);
/// Bounds of the pause before a fast reader looks at the pipe again while
/// it holds bytes (adapted to how fast the job writes, see `Nap`).
const NAP_MIN: Duration = Duration::from_micros(25);
const NAP_MAX: Duration = Duration::from_millis(1);

/// A child's output pipe as tokio gives it.
pub trait Pipe: AsyncRead + Unpin + AsRawFd + AsFd + Send + 'static {}
impl Pipe for tokio::process::ChildStdout {}
impl Pipe for tokio::process::ChildStderr {}
impl Pipe for tokio::net::unix::pipe::Receiver {}

/// Read a pipe to its end, passing the bytes on in pieces, then `Closed`.
pub async fn pump<R: Pipe>(pipe: Option<R>, stream: Stream, events: Events) {
    let Some(mut pipe) = pipe else { return };
    let mut buf: Vec<u8> = Vec::with_capacity(FIRST_BUF);
    loop {
        // read_buf reads into the spare capacity (never zero-filled).
        match pipe.read_buf(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        let full = buf.len() == buf.capacity();
        let bytes = if full {
            std::mem::replace(&mut buf, Vec::with_capacity(FIRST_BUF))
        } else {
            let b = buf.clone();
            buf.clear();
            b
        };
        // A closed receiver means nobody records output any more; keep
        // draining the pipe so the child is not blocked on a full pipe.
        let bytes = bytes.into();
        let _ = events.send(Event::Chunk { stream, bytes }).await;
        if full {
            match fast(&pipe, stream, events.clone()) {
                Some(done) => {
                    // The thread reads the rest and sends `Closed`.
                    drop(pipe);
                    let _ = done.await;
                    return;
                }
                // No thread to be had: read on here, as before.
                None => continue,
            }
        }
    }
    let _ = events.send(Event::Closed(stream)).await;
}

/// Move a fast pipe to a reader thread: its own copy of the descriptor
/// (the caller drops tokio's), the pipe widened. None if no thread can be
/// started (the caller goes on reading, nothing lost); else a receiver that
/// is answered when the thread has read the pipe to its end.
fn fast(
    pipe: &impl AsFd,
    stream: Stream,
    events: Events,
) -> Option<tokio::sync::oneshot::Receiver<()>> {
    let fd = pipe.as_fd().try_clone_to_owned().ok()?;
    let (done, finished) = tokio::sync::oneshot::channel();
    let spawned = std::thread::Builder::new()
        .name(format!("jr-{}", stream.as_str()))
        // A read loop: no deep calls, no large locals.
        .stack_size(128 * 1024)
        .spawn(move || {
            read_fast(fd, stream, &events);
            let _ = events.blocking_send(Event::Closed(stream));
            let _ = done.send(());
        });
    match spawned {
        Ok(_) => Some(finished),
        Err(e) => {
            tracing::warn!("no reader thread for a fast job's {}: {e}", stream.as_str());
            None
        }
    }
}

/// The reader thread's loop: a blocking read while it holds nothing; while
/// it holds bytes, pauses (`Nap`) and reads what came meanwhile, until it
/// holds `CHUNK / 2` or has held them `HOLD`.
fn read_fast(fd: OwnedFd, stream: Stream, events: &Events) {
    // The descriptor shares tokio's open file: non-blocking until now.
    // (Should that fail, an empty pipe is waited for with poll below.)
    let _ = blocking(&fd);
    let mut nap = Nap::new(widen(&fd));
    let pool = Pool::new(CHUNK);
    let send = |buf: &mut Vec<u8>| {
        // A large piece goes as read, its buffer lent (see `Piece`); a
        // small one (a quiet moment) is copied out, so the tail never
        // keeps a large buffer for a few bytes.
        let bytes = if buf.len() >= CHUNK / 2 {
            Piece::counted(std::mem::replace(buf, pool.take()), Some(pool.clone()))
        } else {
            let b = Piece::counted(buf.to_vec(), None);
            buf.clear();
            b
        };
        // Nobody records output any more: keep draining the pipe.
        let _ = events.blocking_send(Event::Chunk { stream, bytes });
    };
    let mut buf: Vec<u8> = pool.take();
    let mut held = Instant::now();
    loop {
        if buf.is_empty() {
            match read_into(&fd, &mut buf) {
                Ok(0) => return,
                Ok(_) => held = Instant::now(),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    wait_readable(&fd);
                    continue;
                }
                Err(_) => return,
            }
        } else {
            if held.elapsed() >= HOLD {
                send(&mut buf);
                continue;
            }
            std::thread::sleep(nap.now());
            let spare = buf.capacity() - buf.len();
            match waiting(&fd) {
                Waiting::Bytes => match read_into(&fd, &mut buf) {
                    Ok(0) => break,
                    Ok(n) => nap.read(n, spare),
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(_) => break,
                },
                Waiting::Nothing => nap.read(0, spare),
                Waiting::End => break,
            }
        }
        if buf.len() >= CHUNK / 2 {
            send(&mut buf);
        }
    }
    if !buf.is_empty() {
        send(&mut buf);
    }
}

/// How long to pause before reading again: long enough that a writer's
/// small writes build up into one read, short enough that a fast writer
/// neither fills the pipe (and waits) nor overflows a read. Halved when a
/// read filled the buffer or half the pipe, doubled when it took under a
/// sixteenth of what it could.
struct Nap {
    now: Duration,
    /// What one read can take at most: the pipe's size or a `CHUNK`.
    most: usize,
    pipe: usize,
}

impl Nap {
    fn new(pipe: usize) -> Nap {
        Nap {
            now: Duration::from_micros(200),
            most: pipe.min(CHUNK),
            pipe,
        }
    }

    fn now(&self) -> Duration {
        self.now
    }

    /// A read after a pause took `n` bytes into `spare` bytes of room.
    fn read(&mut self, n: usize, spare: usize) {
        if n >= spare || n >= self.pipe / 2 {
            self.now = (self.now / 2).max(NAP_MIN);
        } else if n < self.most / 16 {
            self.now = (self.now * 2).min(NAP_MAX);
        }
    }
}

/// read(2) into the buffer's spare capacity, without zero-filling it first.
fn read_into(fd: &OwnedFd, buf: &mut Vec<u8>) -> std::io::Result<usize> {
    let spare = buf.spare_capacity_mut();
    // SAFETY: read(2) writes at most `spare.len()` bytes into the spare
    // capacity, which `fd` (a pipe) does not alias.
    let n = unsafe { nix::libc::read(fd.as_raw_fd(), spare.as_mut_ptr().cast(), spare.len()) };
    if n < 0 {
        return Err(std::io::Error::last_os_error());
    }
    let n = n as usize;
    // SAFETY: the kernel initialised the `n` bytes after the length.
    unsafe { buf.set_len(buf.len() + n) };
    Ok(n)
}

enum Waiting {
    Bytes,
    Nothing,
    /// Nothing, and no writer left.
    End,
}

/// What the pipe holds now, without waiting.
fn waiting(fd: &OwnedFd) -> Waiting {
    let mut p = nix::libc::pollfd {
        fd: fd.as_raw_fd(),
        events: nix::libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one pollfd, valid for the call; a zero timeout.
    let n = unsafe { nix::libc::poll(&mut p, 1, 0) };
    if n < 0 {
        // EINTR or the like: a blocking read tells.
        return Waiting::Bytes;
    }
    if p.revents & nix::libc::POLLIN != 0 {
        Waiting::Bytes
    } else if p.revents & (nix::libc::POLLHUP | nix::libc::POLLERR | nix::libc::POLLNVAL) != 0 {
        Waiting::End
    } else {
        Waiting::Nothing
    }
}

/// Until the pipe has bytes or no writer (for a descriptor left non-blocking).
fn wait_readable(fd: &OwnedFd) {
    let mut p = nix::libc::pollfd {
        fd: fd.as_raw_fd(),
        events: nix::libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one pollfd, valid for the call; no timeout.
    unsafe { nix::libc::poll(&mut p, 1, -1) };
}

fn blocking(fd: &OwnedFd) -> nix::Result<()> {
    use nix::fcntl::{FcntlArg, OFlag, fcntl};
    let flags = OFlag::from_bits_truncate(fcntl(fd, FcntlArg::F_GETFL)?);
    fcntl(fd, FcntlArg::F_SETFL(flags - OFlag::O_NONBLOCK)).map(drop)
}

/// The largest pipe buffer the system allows (at most 4 MiB; 1 MiB unless
/// raised), read once.
fn pipe_size() -> usize {
    static MAX: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *MAX.get_or_init(|| {
        std::fs::read_to_string("/proc/sys/fs/pipe-max-size")
            .ok()
            .and_then(|s| s.trim().parse::<usize>().ok())
            .unwrap_or(1 << 20)
            .clamp(64 * 1024, 4 << 20)
    })
}

/// The pipe's buffer as large as the system allows, so a fast writer
/// blocks less and small writes have room to build up; its size after.
#[cfg(target_os = "linux")]
fn widen(fd: &OwnedFd) -> usize {
    use nix::fcntl::{FcntlArg, fcntl};
    match fcntl(fd, FcntlArg::F_SETPIPE_SZ(pipe_size() as i32)) {
        Ok(n) => n as usize,
        // Over the user's pipe budget: as it is (64 KiB unless changed).
        Err(_) => fcntl(fd, FcntlArg::F_GETPIPE_SZ).map_or(64 * 1024, |n| n as usize),
    }
}

#[cfg(not(target_os = "linux"))]
fn widen(_: &OwnedFd) -> usize {
    64 * 1024
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::time::Duration;

    /// A pipe whose read end `read_fast` reads on a thread; its chunks come
    /// back on the returned channel, the thread ends with the pipe.
    fn reader() -> (
        std::fs::File,
        tokio::sync::mpsc::Receiver<Event>,
        std::thread::JoinHandle<()>,
    ) {
        let (r, w) = nix::unistd::pipe().unwrap();
        let (tx, rx) = tokio::sync::mpsc::channel(16);
        let t = std::thread::spawn(move || read_fast(r, Stream::Out, &tx));
        (std::fs::File::from(w), rx, t)
    }

    fn bytes(ev: Event) -> Vec<u8> {
        match ev {
            Event::Chunk { stream, bytes } => {
                assert_eq!(stream, Stream::Out);
                assert!(bytes.len() <= CHUNK, "{} bytes in one piece", bytes.len());
                let n = bytes.iter().filter(|&&b| b == b'\n').count() as u64;
                assert_eq!(bytes.newlines(), Some(n), "counted by the reader");
                bytes.to_vec()
            }
            other => panic!("not a chunk: {other:?}"),
        }
    }

    #[test]
    fn a_fast_reader_passes_every_byte_on_in_order() {
        let (mut w, mut rx, t) = reader();
        // 24 MB in writes of 1 byte to 96 KiB, now and then a pause.
        let writer = std::thread::spawn(move || {
            let mut sent = Vec::new();
            let mut x: u32 = 7;
            while sent.len() < 24_000_000 {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                let n = 1 + (x >> 8) as usize % (96 * 1024);
                let piece: Vec<u8> = (0..n).map(|i| (sent.len() + i) as u8).collect();
                w.write_all(&piece).unwrap();
                sent.extend_from_slice(&piece);
                if x.is_multiple_of(97) {
                    std::thread::sleep(Duration::from_millis(2));
                }
            }
            sent
        });
        let mut got = Vec::new();
        while let Some(ev) = rx.blocking_recv() {
            got.extend(bytes(ev));
        }
        t.join().unwrap();
        let sent = writer.join().unwrap();
        assert_eq!(got.len(), sent.len());
        assert!(got == sent, "the bytes differ");
    }

    #[test]
    fn a_held_piece_is_passed_on_while_the_writer_is_quiet() {
        let (mut w, mut rx, t) = reader();
        w.write_all(b"first line\n").unwrap();
        let start = Instant::now();
        let first = bytes(rx.blocking_recv().unwrap());
        // HOLD is 5 ms; generous for a loaded machine, far under the
        // writer's second of quiet.
        assert!(
            start.elapsed() < Duration::from_millis(500),
            "{:?}",
            start.elapsed()
        );
        assert_eq!(first, b"first line\n");
        std::thread::sleep(Duration::from_millis(100));
        w.write_all(b"second\n").unwrap();
        assert_eq!(bytes(rx.blocking_recv().unwrap()), b"second\n");
        drop(w);
        assert!(
            rx.blocking_recv().is_none(),
            "the thread ends with the pipe"
        );
        t.join().unwrap();
    }

    #[test]
    fn the_end_of_the_pipe_is_seen_while_holding() {
        let (mut w, mut rx, t) = reader();
        let start = Instant::now();
        w.write_all(&[b'x'; 3000]).unwrap();
        drop(w);
        let mut got = Vec::new();
        while let Some(ev) = rx.blocking_recv() {
            got.extend(bytes(ev));
        }
        t.join().unwrap();
        assert_eq!(got.len(), 3000);
        assert!(
            start.elapsed() < Duration::from_millis(500),
            "{:?}",
            start.elapsed()
        );
    }

    #[test]
    fn naps_shorten_for_a_fast_writer_and_lengthen_for_a_slow_one() {
        let mut nap = Nap::new(1 << 20);
        let start = nap.now();
        nap.read(CHUNK / 2, CHUNK / 2);
        assert!(nap.now() < start, "a read that filled the buffer: shorter");
        for _ in 0..20 {
            nap.read(CHUNK, CHUNK);
        }
        assert_eq!(nap.now(), NAP_MIN);
        for _ in 0..20 {
            nap.read(10, CHUNK);
        }
        assert_eq!(nap.now(), NAP_MAX);
        // An unwidened pipe of 64 KiB: half of it is a full read.
        let mut small = Nap::new(64 * 1024);
        let start = small.now();
        small.read(32 * 1024, CHUNK);
        assert!(small.now() < start);
    }

    /// A real job through `pump`: a fast one moves to a reader thread and
    /// every byte arrives, then `Closed`; a quiet one stays on the runtime.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn pump_reads_a_fast_job_whole_and_ends_with_closed() {
        for (cmd, len) in [
            ("yes 0123456789 | head -c 30000000", 30_000_000usize),
            ("printf 'quiet\\n'", 6),
        ] {
            let mut child = tokio::process::Command::new("sh")
                .args(["-c", cmd])
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            let (tx, mut rx) = tokio::sync::mpsc::channel(16);
            let p = tokio::spawn(pump(child.stdout.take(), Stream::Out, tx));
            let mut got = 0usize;
            let mut closed = false;
            while let Some(ev) = rx.recv().await {
                assert!(!closed, "nothing after Closed");
                match ev {
                    Event::Chunk { bytes, .. } => {
                        assert!(bytes.iter().all(|b| b"0123456789\nquiet".contains(b)));
                        got += bytes.len();
                    }
                    Event::Closed(Stream::Out) => closed = true,
                    other => panic!("{other:?}"),
                }
            }
            p.await.unwrap();
            assert!(child.wait().await.unwrap().success());
            assert!(closed, "{cmd}: Closed is the last event");
            assert_eq!(got, len, "{cmd}");
        }
    }
}
