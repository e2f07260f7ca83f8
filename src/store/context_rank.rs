//! `jr_rank(ctx_fts, hits)`: FTS5's own bm25 over the `body` column (k1 1.2,
//! b 0.75, the same row length and average length FTS5's `bm25()` uses),
//! except that each phrase's document frequency comes from the caller.
//!
//! Why: `bm25()` counts, once per query, every row each phrase matches
//! (`xQueryPhrase` over the whole doclist) to weigh the phrases. For a word
//! in 150,000 messages that count is most of a search's time, although jr
//! ranks only the newest 2,000 matches. jr estimates the frequencies from the
//! newest matches of each phrase (`context::phrase_hits`) and passes them in.
//! The order of hits for a one-phrase query does not depend on the frequency
//! at all; for several phrases the weights come out as bm25's within the
//! estimate's error.
//!
//! `hits` is a blob of little-endian f64, one per phrase of the MATCH in
//! order: a value ≥ 0 is the exact number of rows the phrase matches, a
//! negative one minus the share of rows (0–1] it matches. Phrases past the
//! blob (the channel and client tokens) and matches outside `body` score 0.

use std::ffi::{CStr, c_int, c_void};
use std::ptr::null_mut;

use rusqlite::Connection;
use rusqlite::ffi;

use crate::error::{Error, Result};

/// The SQL name of the function.
pub const NAME: &CStr = c"jr_rank";

const K1: f64 = 1.2;
const B: f64 = 0.75;

/// Make `jr_rank` known to FTS5 on this connection (once per connection).
pub fn register(conn: &Connection) -> Result<()> {
    // SAFETY: the handle is the connection's own, used on this thread while
    // `conn` is borrowed; the statement is finalized before returning, and
    // the pointer SQLite writes is FTS5's global API object, valid as long
    // as the connection.
    unsafe {
        let db = conn.handle();
        let api = fts5_api(db)?;
        let create = (*api)
            .xCreateFunction
            .ok_or_else(|| Error::system("FTS5 offers no xCreateFunction"))?;
        let rc = create(api, NAME.as_ptr(), null_mut(), Some(rank), None);
        if rc != ffi::SQLITE_OK {
            return Err(Error::system(format!(
                "cannot register {NAME:?} with FTS5 (code {rc})"
            )));
        }
    }
    Ok(())
}

/// FTS5's API object, as its documentation says to get it: `SELECT fts5(?1)`
/// with a pointer bound under the type "fts5_api_ptr".
unsafe fn fts5_api(db: *mut ffi::sqlite3) -> Result<*mut ffi::fts5_api> {
    let mut stmt: *mut ffi::sqlite3_stmt = null_mut();
    let mut api: *mut ffi::fts5_api = null_mut();
    // SAFETY: `db` is open; `stmt` is finalized on every path below.
    unsafe {
        let rc =
            ffi::sqlite3_prepare_v2(db, c"SELECT fts5(?1)".as_ptr(), -1, &mut stmt, null_mut());
        if rc != ffi::SQLITE_OK {
            return Err(Error::system(format!(
                "this SQLite has no FTS5 (code {rc})"
            )));
        }
        ffi::sqlite3_bind_pointer(
            stmt,
            1,
            (&mut api as *mut *mut ffi::fts5_api).cast::<c_void>(),
            c"fts5_api_ptr".as_ptr(),
            None,
        );
        ffi::sqlite3_step(stmt);
        ffi::sqlite3_finalize(stmt);
    }
    if api.is_null() {
        return Err(Error::system("FTS5 gave no API object"));
    }
    Ok(api)
}

/// What one query's rows share: the IDF per phrase, the average row length.
struct Data {
    idf: Vec<f64>,
    freq: Vec<f64>,
    avgdl: f64,
}

unsafe extern "C" fn drop_data(p: *mut c_void) {
    // SAFETY: `p` is the Box made in `data` and handed to xSetAuxdata.
    drop(unsafe { Box::from_raw(p.cast::<Data>()) });
}

/// The query's `Data`, made on its first row from the blob argument.
unsafe fn data(
    api: &ffi::Fts5ExtensionApi,
    fts: *mut ffi::Fts5Context,
    hits: &[u8],
) -> std::result::Result<*mut Data, c_int> {
    // SAFETY: the function pointers are FTS5's, called with its context.
    unsafe {
        let get = api.xGetAuxdata.ok_or(ffi::SQLITE_ERROR)?;
        let found = get(fts, 0).cast::<Data>();
        if !found.is_null() {
            return Ok(found);
        }
        let phrases = api.xPhraseCount.ok_or(ffi::SQLITE_ERROR)?(fts).max(0) as usize;
        let mut rows: i64 = 0;
        let rc = api.xRowCount.ok_or(ffi::SQLITE_ERROR)?(fts, &mut rows);
        if rc != ffi::SQLITE_OK {
            return Err(rc);
        }
        let mut tokens: i64 = 0;
        let rc = api.xColumnTotalSize.ok_or(ffi::SQLITE_ERROR)?(fts, -1, &mut tokens);
        if rc != ffi::SQLITE_OK {
            return Err(rc);
        }
        let n = rows.max(1) as f64;
        let idf = (0..phrases)
            .map(|i| {
                let Some(v) = hits.get(i * 8..i * 8 + 8) else {
                    return 0.0;
                };
                let v = f64::from_le_bytes(v.try_into().unwrap_or([0; 8]));
                let hit = if v < 0.0 { -v * n } else { v };
                idf(n, hit)
            })
            .collect();
        let d = Box::into_raw(Box::new(Data {
            idf,
            freq: vec![0.0; phrases],
            avgdl: tokens as f64 / n,
        }));
        let rc = api.xSetAuxdata.ok_or(ffi::SQLITE_ERROR)?(fts, d.cast(), Some(drop_data));
        if rc != ffi::SQLITE_OK {
            // xSetAuxdata calls the destructor itself when it fails.
            return Err(rc);
        }
        Ok(d)
    }
}

/// bm25's IDF, with its floor: `ln((N - n + 0.5) / (n + 0.5))`, at least 1e-6.
pub fn idf(rows: f64, hits: f64) -> f64 {
    let v = ((rows - hits + 0.5) / (hits + 0.5)).ln();
    if v > 0.0 { v } else { 1e-6 }
}

unsafe extern "C" fn rank(
    api: *const ffi::Fts5ExtensionApi,
    fts: *mut ffi::Fts5Context,
    ctx: *mut ffi::sqlite3_context,
    n_val: c_int,
    vals: *mut *mut ffi::sqlite3_value,
) {
    // SAFETY: FTS5 calls this with its API, the row's context and `n_val`
    // argument values.
    unsafe {
        match score(&*api, fts, n_val, vals) {
            Ok(s) => ffi::sqlite3_result_double(ctx, -s),
            Err(rc) => ffi::sqlite3_result_error_code(ctx, rc),
        }
    }
}

unsafe fn score(
    api: &ffi::Fts5ExtensionApi,
    fts: *mut ffi::Fts5Context,
    n_val: c_int,
    vals: *mut *mut ffi::sqlite3_value,
) -> std::result::Result<f64, c_int> {
    // SAFETY: as in `rank`; the blob stays valid until the argument changes,
    // and it is read before anything else runs.
    unsafe {
        let hits: &[u8] = if n_val >= 1 {
            let v = *vals;
            let p = ffi::sqlite3_value_blob(v).cast::<u8>();
            let len = ffi::sqlite3_value_bytes(v).max(0) as usize;
            if p.is_null() {
                &[]
            } else {
                std::slice::from_raw_parts(p, len)
            }
        } else {
            &[]
        };
        let d = &mut *data(api, fts, hits)?;
        d.freq.iter_mut().for_each(|f| *f = 0.0);
        let mut n: c_int = 0;
        let rc = api.xInstCount.ok_or(ffi::SQLITE_ERROR)?(fts, &mut n);
        if rc != ffi::SQLITE_OK {
            return Err(rc);
        }
        let inst = api.xInst.ok_or(ffi::SQLITE_ERROR)?;
        for i in 0..n {
            let (mut phrase, mut col, mut off) = (0, 0, 0);
            let rc = inst(fts, i, &mut phrase, &mut col, &mut off);
            if rc != ffi::SQLITE_OK {
                return Err(rc);
            }
            if col == 0
                && let Some(f) = d.freq.get_mut(phrase.max(0) as usize)
            {
                *f += 1.0;
            }
        }
        let mut len: c_int = 0;
        let rc = api.xColumnSize.ok_or(ffi::SQLITE_ERROR)?(fts, -1, &mut len);
        if rc != ffi::SQLITE_OK {
            return Err(rc);
        }
        let norm = K1 * (1.0 - B + B * f64::from(len) / d.avgdl);
        Ok(d.idf
            .iter()
            .zip(&d.freq)
            .map(|(idf, f)| idf * (f * (K1 + 1.0)) / (f + norm))
            .sum())
    }
}
