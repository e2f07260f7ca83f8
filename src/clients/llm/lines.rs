//! Splitting a byte stream into lines, for NDJSON (Ollama) and SSE (OpenAI).
//! Bytes are kept until a whole line has arrived and only then decoded, so a
//! multi-byte character (Korean text) split across network chunks arrives
//! whole. A line longer than the cap is an error rather than unbounded memory.

/// The longest line accepted (an answer's metrics line is a few hundred bytes;
/// a whole non-streamed answer fits easily).
pub const MAX_LINE: usize = 16 * 1024 * 1024;

#[derive(Debug, Default)]
pub struct LineBuffer {
    buf: Vec<u8>,
}

#[derive(Debug, PartialEq)]
pub enum LineError {
    TooLong,
    NotUtf8,
}

impl LineBuffer {
    /// Add bytes; return the complete lines now available (without `\n` or
    /// a trailing `\r`; empty lines dropped).
    pub fn push(&mut self, bytes: &[u8]) -> Result<Vec<String>, LineError> {
        self.buf.extend_from_slice(bytes);
        let mut lines = Vec::new();
        let mut start = 0;
        while let Some(i) = self.buf[start..].iter().position(|&b| b == b'\n') {
            let end = start + i;
            if let Some(l) = decode(&self.buf[start..end])? {
                lines.push(l);
            }
            start = end + 1;
        }
        self.buf.drain(..start);
        if self.buf.len() > MAX_LINE {
            return Err(LineError::TooLong);
        }
        Ok(lines)
    }

    /// What is left when the stream ends (a last line without `\n`).
    pub fn finish(&mut self) -> Result<Option<String>, LineError> {
        let rest = std::mem::take(&mut self.buf);
        decode(&rest)
    }
}

fn decode(raw: &[u8]) -> Result<Option<String>, LineError> {
    let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
    if raw.iter().all(|b| b.is_ascii_whitespace()) {
        return Ok(None);
    }
    String::from_utf8(raw.to_vec())
        .map(Some)
        .map_err(|_| LineError::NotUtf8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_survive_any_chunking() {
        let text = "{\"a\":\"안녕하세요\"}\n\n{\"b\":\"세계 🌏\"}\r\n{\"c\":1}";
        let bytes = text.as_bytes();
        // Every chunk size, including 1 byte: each Korean syllable is split.
        for size in 1..=bytes.len() {
            let mut lb = LineBuffer::default();
            let mut got = Vec::new();
            for chunk in bytes.chunks(size) {
                got.extend(lb.push(chunk).unwrap());
            }
            got.extend(lb.finish().unwrap());
            assert_eq!(
                got,
                vec!["{\"a\":\"안녕하세요\"}", "{\"b\":\"세계 🌏\"}", "{\"c\":1}"],
                "chunk size {size}"
            );
        }
    }

    #[test]
    fn bad_input_is_an_error() {
        let cases: &[(&[u8], LineError)] = &[(b"\xff\xfe\n", LineError::NotUtf8)];
        for (input, want) in cases {
            assert_eq!(LineBuffer::default().push(input).unwrap_err(), *want);
        }
        let mut lb = LineBuffer::default();
        let big = vec![b'x'; MAX_LINE + 1];
        assert_eq!(lb.push(&big).unwrap_err(), LineError::TooLong);
    }
}
