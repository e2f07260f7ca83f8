//! Job chains: which jobs to queue when a job's run ends well or badly.

use rusqlite::{Connection, params};

use crate::error::Result;

/// (on success, on failure) target job names of a job, in order.
pub fn of(conn: &Connection, job_id: i64) -> Result<(Vec<String>, Vec<String>)> {
    let mut st = conn.prepare_cached(
        "SELECT c.on_status, t.name FROM job_chains c JOIN jobs t ON t.id = c.target_id \
         WHERE c.job_id = ?1 ORDER BY c.on_status, c.pos",
    )?;
    let mut ok = Vec::new();
    let mut bad = Vec::new();
    for r in st.query_map([job_id], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })? {
        let (on, name) = r?;
        if on == "success" {
            ok.push(name)
        } else {
            bad.push(name)
        }
    }
    Ok((ok, bad))
}

/// Replace a job's chains with targets given by id.
pub fn set(conn: &Connection, job_id: i64, on_success: &[i64], on_failure: &[i64]) -> Result<()> {
    conn.prepare_cached("DELETE FROM job_chains WHERE job_id = ?1")?
        .execute([job_id])?;
    for (on, ids) in [("success", on_success), ("failure", on_failure)] {
        for (pos, t) in ids.iter().enumerate() {
            conn.prepare_cached(
                "INSERT OR IGNORE INTO job_chains (job_id, on_status, target_id, pos) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![job_id, on, t, pos as i64])?;
        }
    }
    Ok(())
}

/// Every edge, as (job name, target name).
pub fn edges(conn: &Connection) -> Result<Vec<(String, String)>> {
    let mut st = conn.prepare_cached(
        "SELECT j.name, t.name FROM job_chains c JOIN jobs j ON j.id = c.job_id \
         JOIN jobs t ON t.id = c.target_id ORDER BY j.name, c.on_status, c.pos",
    )?;
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
