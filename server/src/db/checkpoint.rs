//! SQLite's WAL checkpoints, on a task of their own.
//!
//! In WAL mode every commit appends pages to the `-wal` file, and a
//! checkpoint copies them back into the database file, with an `fsync` of
//! each (the only syncs `synchronous = NORMAL` makes). By default SQLite
//! runs one inside whichever commit finds the WAL past 1,000 pages: that
//! request then waits for the copy and both syncs, tens of milliseconds on
//! a busy disk, while every writer queued behind it waits too (the write
//! lock is held through it). So the pool's connections turn the automatic
//! checkpoint off (`PRAGMA wal_autocheckpoint = 0`, in `inline::connect`)
//! and this task runs a `PASSIVE` checkpoint every [`EVERY`] on a pooled
//! connection, on tokio's blocking threads (the pool's other statements run
//! inline, `inline`; a checkpoint's copy and syncs must not hold an async
//! worker): it takes no lock that writers wait on, and copies what no
//! reader still needs.
//!
//! A passive checkpoint never makes the WAL start over: the next writer
//! goes back to the start of the file only when every frame has been copied
//! and no reader still reads from it, and under steady load some reader
//! always does, so the file grew without end (830 MB in six seconds of the
//! sign-up benchmark), and every commit wrote past its end, into blocks
//! the kernel must allocate and zero first (most of the server's CPU in
//! that benchmark: docs/BENCHMARKS.md). So once the WAL holds
//! [`RESTART_AT_FRAMES`], the task takes this process's writer's turn,
//! next after the writer at work and ahead of those queued
//! (`writer::WriteGate::wait_turn_next`: the writers queue behind it
//! instead of meeting SQLite's lock, and it copies only what was committed
//! since the last passive checkpoint, not all that a queue of writers ahead
//! of it wrote), and runs a `RESTART` checkpoint, which waits (at most
//! [`RESTART_WAIT`], looking every [`RESTART_POLL`]) for the readers
//! still on the WAL; the next commit then writes from the start of the
//! file again, over blocks it already has. What the restart finds not yet
//! copied it copies while the writers wait, so passive checkpoints run
//! again first while much is left ([`RESTART_LEFT_FRAMES`]). `journal_size_limit` (`inline::KEPT_WAL_BYTES`) truncates a WAL that grew
//! past it (a writer in another process, a long reader) when it starts
//! over. Closing the last connection checkpoints what is left, as SQLite
//! always does, so a process that opens the database without this task (a
//! test, the CLI) leaves no WAL behind either.

use super::inline::{BUSY_TIMEOUT, SqlitePool};
use super::writer::WriteGate;
use std::time::Duration;

/// How often the WAL is checkpointed.
const EVERY: Duration = Duration::from_millis(250);

/// The WAL's length, in frames (a page each), from which a checkpoint makes
/// it start over: SQLite's own automatic checkpoint's (about 4 MB).
const RESTART_AT_FRAMES: i64 = 1000;

/// The most frames a restart may find not yet copied: past it, passive
/// checkpoints copy more first ([`PASSIVE_ROUNDS`] at most), without the
/// writers' turn. A restart copies what is left while every writer waits,
/// and under load a passive checkpoint's copy and sync take long enough
/// for the writers to append thousands of frames meanwhile, which that
/// checkpoint never sees (it copies up to the WAL's end as it started):
/// [`left_after`] reads them off the WAL's growth from round to round.
const RESTART_LEFT_FRAMES: i64 = 200;

/// Passive checkpoints in a row at most before a restart.
const PASSIVE_ROUNDS: usize = 4;

/// How long a restarting checkpoint waits for the readers still on the WAL
/// (each reads for microseconds) while the writers wait behind it; past
/// that it gives up until the next tick.
const RESTART_WAIT: Duration = Duration::from_millis(100);

/// The running task; stopped when the last clone is dropped.
#[derive(Debug)]
pub(super) struct Checkpoints(tokio::task::JoinHandle<()>);

impl Drop for Checkpoints {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// What `PRAGMA wal_checkpoint` answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Checkpointed {
    /// Whether it could not finish (a lock it needed was held).
    busy: bool,
    /// The WAL's length, in frames.
    frames: i64,
    /// The frames copied into the database so far.
    copied: i64,
}

/// Starts checkpointing the pool's database until the pool closes or the
/// answer is dropped; writers take their turns at `gate`.
pub(super) fn start(pool: SqlitePool, gate: WriteGate) -> Checkpoints {
    Checkpoints(tokio::spawn(async move {
        let mut every = tokio::time::interval(EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            if pool.is_closed() {
                return;
            }
            let result = match passive_rounds(&pool).await {
                Ok((passive, left)) if passive.frames >= RESTART_AT_FRAMES => restart(&pool, &gate, left).await,
                other => other.map(drop),
            };
            if let Err(e) = result {
                if pool.is_closed() {
                    return;
                }
                tracing::warn!(error = %e, "checkpointing the SQLite WAL failed; trying again");
            }
        }
    }))
}

/// Passive checkpoints, one more while a long WAL would leave a restart
/// more than [`RESTART_LEFT_FRAMES`] to copy ([`left_after`]),
/// [`PASSIVE_ROUNDS`] at most; answers the last one's, and what it left.
/// Each round copies what the one before could not see, so each is shorter
/// than the last and leaves less behind.
async fn passive_rounds(pool: &SqlitePool) -> Result<(Checkpointed, Option<i64>), sqlx::Error> {
    let mut previous = None;
    let mut round = 1;
    loop {
        let passive = checkpoint(pool, "PRAGMA wal_checkpoint(PASSIVE)").await?;
        let left = left_after(previous, passive);
        let few_left = left.is_some_and(|left| left <= RESTART_LEFT_FRAMES);
        if passive.frames < RESTART_AT_FRAMES || few_left || round == PASSIVE_ROUNDS {
            return Ok((passive, left));
        }
        previous = Some(passive);
        round += 1;
    }
}

/// At most what a restart right after `passive` finds not yet copied: the
/// frames `passive` left to its readers, and those the writers appended
/// while it ran. It saw the WAL as it started, so the latter are read off
/// the round before (`previous`): what they appended while that one ran,
/// which took longer (it copied more). Unknown after a first round.
fn left_after(previous: Option<Checkpointed>, passive: Checkpointed) -> Option<i64> {
    let previous = previous?;
    // A WAL that started over between the two: all of it is new.
    let appended = if passive.frames >= previous.frames { passive.frames - previous.frames } else { passive.frames };
    Some(passive.frames - passive.copied + appended)
}

/// A `RESTART` checkpoint in this process's writer's turn, taken ahead of
/// the queued writers, after passive rounds that `left` frames to copy
/// (at most; for the log).
async fn restart(pool: &SqlitePool, gate: &WriteGate, left: Option<i64>) -> Result<(), sqlx::Error> {
    let turn = gate.wait_turn_next().await?;
    // A group commit left open (`group`) holds the write lock that a
    // restart waits for: taking the writers' connection commits it.
    drop(pool.acquire_writer(&turn)?);
    let started = std::time::Instant::now();
    let restarted = checkpoint(pool, "PRAGMA wal_checkpoint(RESTART)").await?;
    tracing::debug!(
        busy = restarted.busy,
        frames = restarted.frames,
        frames_left = left,
        held_us = started.elapsed().as_micros(),
        "a restarting checkpoint held the writers' turn"
    );
    drop(turn);
    Ok(())
}

/// How often a restarting checkpoint looks again for the readers it
/// waits on. SQLite's own busy handler sleeps 1, 2, 5, 10, 15, 20 ms ...
/// between its looks, so a restart that met a reader reading for a few
/// microseconds held every writer for 10 to 28 ms (docs/BENCHMARKS.md).
const RESTART_POLL: Duration = Duration::from_micros(100);

/// The busy handler of a checkpoint: another look after [`RESTART_POLL`],
/// until [`RESTART_WAIT`] has been spent (counted in looks).
fn wait_for_readers(looks: i32) -> bool {
    let most = RESTART_WAIT.as_micros() / RESTART_POLL.as_micros();
    if u128::try_from(looks).unwrap_or(u128::MAX) >= most {
        return false;
    }
    std::thread::sleep(RESTART_POLL);
    true
}

/// Runs `pragma` (a `wal_checkpoint`) on the blocking threads; one that
/// waits for readers (`RESTART`) looks for them every [`RESTART_POLL`],
/// for at most [`RESTART_WAIT`].
async fn checkpoint(pool: &SqlitePool, pragma: &'static str) -> Result<Checkpointed, sqlx::Error> {
    pool.with_blocking(move |conn| {
        conn.busy_handler(Some(wait_for_readers))?;
        let answer = conn.query_row(pragma, [], |row| {
            Ok(Checkpointed { busy: row.get::<_, i64>(0)? != 0, frames: row.get(1)?, copied: row.get(2)? })
        });
        conn.busy_timeout(BUSY_TIMEOUT)?;
        answer
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wal_bytes(path: &std::path::Path) -> u64 {
        let mut wal = path.as_os_str().to_owned();
        wal.push("-wal");
        std::fs::metadata(wal).map_or(0, |m| m.len())
    }

    /// A passive checkpoint copies only what no reader still reads, and the
    /// WAL starts over only once all of it is copied: with a reader on it at
    /// each checkpoint (as under load), every commit lands past the end of a
    /// growing file. The restart waits the readers out, then copies it all,
    /// and the next commit writes from the start of the same file.
    #[tokio::test]
    async fn a_restart_lets_the_wal_start_over_where_passive_ones_cannot() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite");
        let pool = SqlitePool::open(&path, 4).unwrap();
        let gate = WriteGate::for_database(super::super::Backend::Sqlite, true);
        let write = |rows: i64| {
            pool.with_blocking(move |conn| {
                conn.execute_batch("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v BLOB)")?;
                for _ in 0..rows {
                    conn.execute("INSERT INTO t (v) VALUES (zeroblob(3000))", [])?;
                }
                Ok(())
            })
        };
        let passive = || checkpoint(&pool, "PRAGMA wal_checkpoint(PASSIVE)");
        // A reader in a read transaction from a commit on, until told to
        // end it (after the delay it is sent).
        let reader = || {
            let reader = rusqlite::Connection::open(&path).unwrap();
            reader.execute_batch("BEGIN; SELECT count(*) FROM t;").unwrap();
            let (release, released) = std::sync::mpsc::channel::<Duration>();
            let thread = std::thread::spawn(move || {
                std::thread::sleep(released.recv().unwrap());
                reader.execute_batch("COMMIT").unwrap();
            });
            (release, thread)
        };
        write(300).await.unwrap();

        // Passive, with a reader there: the frames after the reader's
        // start are left, and the next commits go past the end.
        let (release, thread) = reader();
        write(300).await.unwrap();
        let first = passive().await.unwrap();
        assert!(!first.busy && first.frames >= 600, "{first:?}");
        release.send(Duration::ZERO).unwrap();
        thread.join().unwrap();
        write(10).await.unwrap();
        let grown = passive().await.unwrap();
        assert!(grown.frames >= first.frames + 10, "{grown:?} after {first:?}");

        // Restart, with a reader there: it waits the reader out, copies
        // everything, and the next commit starts the file over.
        let (release, thread) = reader();
        write(300).await.unwrap();
        let size = wal_bytes(&path);
        release.send(RESTART_WAIT / 5).unwrap();
        restart(&pool, &gate, None).await.unwrap();
        thread.join().unwrap();
        write(10).await.unwrap();
        let after = passive().await.unwrap();
        assert!(after.frames < 100, "{after:?}");
        assert_eq!(wal_bytes(&path), size, "the file did not grow");

        // A reader that stays past the wait: the restart gives up, busy,
        // and the writers go on.
        let (release, thread) = reader();
        write(10).await.unwrap();
        let held = checkpoint(&pool, "PRAGMA wal_checkpoint(RESTART)").await.unwrap();
        assert!(held.busy, "{held:?}");
        write(10).await.unwrap();
        release.send(Duration::ZERO).unwrap();
        thread.join().unwrap();
        pool.close(&gate).await;
    }

    #[test]
    fn a_restart_looks_for_its_readers_again_until_its_wait_is_spent() {
        let looks = i32::try_from(RESTART_WAIT.as_micros() / RESTART_POLL.as_micros()).unwrap();
        assert!(wait_for_readers(0));
        assert!(wait_for_readers(looks - 1));
        assert!(!wait_for_readers(looks));
        assert!(!wait_for_readers(i32::MAX));
    }

    #[test]
    fn what_a_restart_finds_left_is_what_the_last_round_could_not_see() {
        let at = |frames, copied| Checkpointed { busy: false, frames, copied };
        assert_eq!(left_after(None, at(7000, 7000)), None, "unknown after a first round");
        // 2,000 appended while the first round copied 7,000; the second
        // copied those, and its readers kept 50.
        assert_eq!(left_after(Some(at(7000, 7000)), at(9000, 8950)), Some(2050));
        // The WAL started over between the rounds: all 300 frames are new.
        assert_eq!(left_after(Some(at(7000, 7000)), at(300, 300)), Some(300));
    }
}
