//! The inline connections' tests: binding and reading as sqlx does, the
//! writers' connection, and group commits (`group`).

use super::*;
use sqlx::Row as _;

fn pool(dir: &tempfile::TempDir) -> SqlitePool {
    SqlitePool::open(&dir.path().join("t.db"), 2).unwrap()
}

#[tokio::test]
async fn every_writer_gets_the_same_connection_with_its_larger_cache_and_readers_others() {
    let dir = tempfile::tempdir().unwrap();
    let pool = pool(&dir);
    let gate = crate::db::writer::WriteGate::for_database(crate::db::Backend::Sqlite, true);
    let cache_size = |conn: &Inline| conn.conn().query_row("PRAGMA cache_size", [], |r| r.get::<_, i64>(0)).unwrap();
    {
        let turn = gate.wait_turn().await.unwrap();
        let mut writer = pool.acquire_writer(&turn).unwrap();
        assert_eq!(cache_size(&writer), -WRITER_CACHE_KIB);
        // A TEMP table lives on its connection only: it shows which one a writer gets.
        writer.run(sqlx::query("CREATE TEMP TABLE mark (n BIGINT)"), false).unwrap();
    }
    {
        let turn = gate.wait_turn().await.unwrap();
        let mut writer = pool.acquire_writer(&turn).unwrap();
        writer.run(sqlx::query("SELECT n FROM mark"), false).expect("the same connection as the last writer");
        writer.begin("BEGIN IMMEDIATE").await.unwrap();
        writer.run(sqlx::query("INSERT INTO mark (n) VALUES (1)"), false).unwrap();
        // Dropped inside its transaction: rolled back, and the connection kept.
    }
    let reader = pool.acquire().await.unwrap();
    assert_eq!(cache_size(&reader), -2000, "SQLite's default for the pooled ones");
    assert!(reader.conn().prepare("SELECT n FROM mark").is_err(), "a reader is another connection");
    drop(reader);
    {
        let turn = gate.wait_turn().await.unwrap();
        let mut writer = pool.acquire_writer(&turn).unwrap();
        assert!(writer.conn().is_autocommit());
        let rows = writer.run(sqlx::query("SELECT n FROM mark"), false).unwrap();
        assert_eq!(rows.len(), 1, "the dropped transaction's row is gone: only the count is answered");
    }
    pool.close(&crate::db::writer::WriteGate::for_database(crate::db::Backend::Sqlite, true)).await;
    let turn = gate.wait_turn().await.unwrap();
    assert!(matches!(pool.acquire_writer(&turn), Err(sqlx::Error::PoolClosed)));
}

#[tokio::test]
async fn queries_bind_and_read_as_sqlx_any_does() {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = pool(&dir).acquire().await.unwrap();
    conn.run(sqlx::query("CREATE TABLE t (id TEXT PRIMARY KEY, n BIGINT, f BOOLEAN, x REAL, b BLOB)"), false).unwrap();
    let insert = "INSERT INTO t (id, n, f, x, b) VALUES ($1, $2, $3, $4, $5)";
    let done = conn
        .run(sqlx::query(insert).bind("a").bind(7_i64).bind(true).bind(1.5_f64).bind(vec![1_u8, 2]), false)
        .unwrap();
    assert!(matches!(done.last(), Some(Either::Left(r)) if r.rows_affected == 1));
    conn.run(sqlx::query(insert).bind("b").bind(None::<i64>).bind(false).bind(0.0_f64).bind(Vec::<u8>::new()), false)
        .unwrap();
    // `$1` twice is one argument; the rows come in order, then the count.
    let answer = conn
        .run(
            sqlx::query(
                "SELECT id, n, CAST(f AS INTEGER) AS f, x, b FROM t WHERE id = $1 OR id < $1 OR $2 = 0 ORDER BY id",
            )
            .bind("b")
            .bind(0_i32),
            false,
        )
        .unwrap();
    let rows: Vec<&AnyRow> = answer.iter().filter_map(|s| s.as_ref().right()).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].try_get::<String, _>("id").unwrap(), "a");
    assert_eq!(rows[0].try_get::<i64, _>("n").unwrap(), 7);
    assert_eq!(rows[0].try_get::<i32, _>("n").unwrap(), 7);
    assert_eq!(rows[0].try_get::<i64, _>("f").unwrap(), 1);
    assert_eq!(rows[0].try_get::<f64, _>("x").unwrap(), 1.5);
    assert_eq!(rows[0].try_get::<Vec<u8>, _>("b").unwrap(), vec![1, 2]);
    assert_eq!(rows[1].try_get::<Option<i64>, _>("n").unwrap(), None);
    assert_eq!(rows[1].try_get::<i64, _>(2).unwrap(), 0);
    assert!(rows[1].try_get::<i64, _>("missing").is_err());
    assert!(matches!(answer.last(), Some(Either::Left(r)) if r.rows_affected == 0), "a read changes nothing");
    let first = conn.run(sqlx::query("SELECT id FROM t ORDER BY id"), true).unwrap();
    assert_eq!(first.iter().filter(|s| s.is_right()).count(), 1);
    // Several statements without arguments (`raw_sql`).
    conn.run(sqlx::raw_sql("UPDATE t SET n = 1; UPDATE t SET n = n + 1"), false).unwrap();
    let n = conn.run(sqlx::query("SELECT SUM(n) AS s FROM t"), true).unwrap();
    assert_eq!(n[0].as_ref().right().unwrap().try_get::<i64, _>("s").unwrap(), 4);
}

#[tokio::test]
async fn a_unique_violation_is_reported_as_sqlx_reports_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = pool(&dir).acquire().await.unwrap();
    conn.run(sqlx::query("CREATE TABLE u (id TEXT PRIMARY KEY, email_address TEXT UNIQUE)"), false).unwrap();
    let insert = || sqlx::query("INSERT INTO u (id, email_address) VALUES ($1, $2)");
    conn.run(insert().bind("1").bind("a@x"), false).unwrap();
    match conn.run(insert().bind("2").bind("a@x"), false) {
        Err(sqlx::Error::Database(e)) => {
            assert!(e.is_unique_violation(), "{e}");
            assert!(e.message().contains("u.email_address"), "{}", e.message());
        }
        other => panic!("not a unique violation: {:?}", other.err()),
    }
    match conn.run(sqlx::query("SELECT nothing FROM u"), false) {
        Err(sqlx::Error::Database(e)) => assert_eq!(e.kind(), sqlx::error::ErrorKind::Other),
        other => panic!("not a database error: {:?}", other.err()),
    }
}

#[tokio::test]
async fn a_transaction_dropped_without_commit_is_rolled_back() {
    let dir = tempfile::tempdir().unwrap();
    let pool = pool(&dir);
    {
        let mut conn = pool.acquire().await.unwrap();
        conn.command("CREATE TABLE t (n BIGINT)").unwrap();
        conn.command("BEGIN IMMEDIATE").unwrap();
        conn.command("INSERT INTO t (n) VALUES (1)").unwrap();
    }
    {
        let mut conn = pool.acquire().await.unwrap();
        conn.command("BEGIN IMMEDIATE").unwrap();
        conn.command("INSERT INTO t (n) VALUES (2)").unwrap();
        conn.command("COMMIT").unwrap();
    }
    let mut a = pool.acquire().await.unwrap();
    let _b = pool.acquire().await.unwrap();
    let rows = a.run(sqlx::query("SELECT n FROM t"), false).unwrap();
    let values: Vec<i64> = rows.iter().filter_map(|s| s.as_ref().right()).map(|r| r.get("n")).collect();
    assert_eq!(values, [2], "the dropped transaction's row is gone, the committed one stays");
    // Both connections are in use: a third waits until one comes back.
    let waiting = tokio::spawn({
        let pool = pool.clone();
        async move { pool.acquire().await.map(drop) }
    });
    tokio::task::yield_now().await;
    assert!(!waiting.is_finished());
    drop(a);
    waiting.await.unwrap().unwrap();
    drop(_b);
    pool.close(&crate::db::writer::WriteGate::for_database(crate::db::Backend::Sqlite, true)).await;
    assert!(pool.is_closed());
    assert!(matches!(pool.acquire().await, Err(sqlx::Error::PoolClosed)));
}

mod group_commit {
    use super::*;
    use crate::db::writer::{WriteGate, WriteTurn};
    use crate::db::{Backend, group};

    fn gate() -> WriteGate {
        WriteGate::for_database(Backend::Sqlite, true)
    }

    /// A pool over a fresh file with a table `t (n)`, its gate, and the dir.
    async fn setup(schema: &'static str) -> (SqlitePool, WriteGate, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let (pool, gate) = (pool(&dir), gate());
        let turn = gate.wait_turn().await.unwrap();
        pool.acquire_writer(&turn).unwrap().run(sqlx::raw_sql(schema), false).unwrap();
        (pool, gate, dir)
    }

    /// The values of `t` as a reader on a pooled connection sees them.
    async fn seen(pool: &SqlitePool) -> Vec<i64> {
        let mut reader = pool.acquire().await.unwrap();
        let rows = reader.run(sqlx::query("SELECT n FROM t ORDER BY n"), false).unwrap();
        rows.iter().filter_map(|s| s.as_ref().right()).map(|r| r.get::<i64, _>("n")).collect()
    }

    /// A writer queued at the gate (spawned and run up to its wait), which
    /// then runs `then` in its turn.
    async fn queue_writer<T: Send + 'static>(
        gate: &WriteGate,
        then: impl FnOnce(WriteTurn) -> T + Send + 'static,
    ) -> tokio::task::JoinHandle<T> {
        let gate = gate.clone();
        let writer = tokio::spawn(async move { then(gate.wait_turn().await.unwrap()) });
        tokio::task::yield_now().await;
        writer
    }

    /// A group's first member, in its turn, that wrote `n`.
    async fn first_member(pool: &SqlitePool, gate: &WriteGate, n: i64) -> (WriteTurn, Inline) {
        let turn = gate.wait_turn().await.unwrap();
        let mut first = pool.join_group(&turn).await.unwrap();
        insert(&mut first, n);
        (turn, first)
    }

    /// A member joining the open group (which waits for nothing).
    fn join_now(pool: &SqlitePool, turn: &WriteTurn) -> Inline {
        futures_util::FutureExt::now_or_never(pool.join_group(turn)).unwrap().unwrap()
    }

    fn insert(conn: &mut Inline, n: i64) {
        conn.run(sqlx::query("INSERT INTO t (n) VALUES ($1)").bind(n), false).unwrap();
    }

    #[tokio::test]
    async fn a_writer_queued_behind_joins_the_group_and_nobody_answers_before_its_commit() {
        let (pool, gate, _dir) = setup("CREATE TABLE t (n BIGINT)").await;
        let turn = gate.wait_turn().await.unwrap();
        let mut first = pool.join_group(&turn).await.unwrap();
        assert_eq!(first.member, Member::First);
        insert(&mut first, 1);
        let later = queue_writer(&gate, {
            let pool = pool.clone();
            move |turn| {
                let mut conn = join_now(&pool, &turn);
                assert_eq!(conn.member, Member::Later, "the group is open: it joins it");
                insert(&mut conn, 2);
                assert!(!turn.others_waiting());
                let released = conn.release(turn.others_waiting()).unwrap();
                assert!(released.0.is_none(), "nobody is queued behind it: it commits the group");
            }
        })
        .await;
        assert!(turn.others_waiting());
        let released = first.release(turn.others_waiting()).unwrap();
        assert!(released.0.is_some(), "a writer is queued: the group is left open for it");
        assert_eq!(seen(&pool).await, Vec::<i64>::new(), "nothing is committed yet");
        turn.hand_on().await;
        later.await.unwrap();
        released.committed(&gate).await.unwrap();
        assert_eq!(seen(&pool).await, [1, 2], "both, in one commit");
    }

    #[tokio::test]
    async fn a_member_dropped_without_its_commit_loses_only_its_own_writes() {
        let (pool, gate, _dir) = setup("CREATE TABLE t (n BIGINT)").await;
        let (turn, first) = first_member(&pool, &gate, 1).await;
        let later = queue_writer(&gate, {
            let pool = pool.clone();
            move |turn| {
                let mut conn = join_now(&pool, &turn);
                insert(&mut conn, 2);
                // Its request failed: dropped without release.
            }
        })
        .await;
        let released = first.release(turn.others_waiting()).unwrap();
        turn.hand_on().await;
        later.await.unwrap();
        released.committed(&gate).await.unwrap();
        assert_eq!(seen(&pool).await, [1], "the first member's row is committed, the dropped one's is gone");

        // A first member dropped is alone in its group: all of it goes.
        let (turn, alone) = first_member(&pool, &gate, 3).await;
        drop(alone);
        let writer = pool.acquire_writer(&turn).unwrap();
        assert!(writer.conn().is_autocommit(), "no transaction is left open");
        drop(writer);
        assert_eq!(seen(&pool).await, [1]);
    }

    #[tokio::test]
    async fn a_group_that_cannot_commit_fails_every_member_and_keeps_nothing() {
        // A deferred foreign key is checked at COMMIT: the group's commit fails.
        let schema = "CREATE TABLE parent (id INTEGER PRIMARY KEY); \
                      CREATE TABLE t (n BIGINT REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)";
        let (pool, gate, _dir) = setup(schema).await;
        let (turn, first) = first_member(&pool, &gate, 7).await;
        let later = queue_writer(&gate, {
            let pool = pool.clone();
            move |turn| {
                let mut conn = join_now(&pool, &turn);
                conn.run(sqlx::query("INSERT INTO parent (id) VALUES (1)"), false).unwrap();
                conn.release(false).map(drop)
            }
        })
        .await;
        let released = first.release(turn.others_waiting()).unwrap();
        turn.hand_on().await;
        let later = later.await.unwrap();
        assert!(later.unwrap_err().to_string().contains("FOREIGN KEY"), "the committing member is told why");
        let first = released.committed(&gate).await.unwrap_err();
        assert!(first.to_string().contains("group commit failed"), "{first}");
        assert_eq!(seen(&pool).await, Vec::<i64>::new());
        let mut reader = pool.acquire().await.unwrap();
        let parents = reader.run(sqlx::query("SELECT id FROM parent"), false).unwrap();
        assert_eq!(parents.len(), 1, "only the count: the later member's row is gone too");
        drop(reader);
        // The connection is usable again.
        let turn = gate.wait_turn().await.unwrap();
        let writer = pool.join_group(&turn).await.unwrap();
        assert_eq!(writer.member, Member::First, "a new group");
    }

    #[tokio::test]
    async fn a_write_outside_a_transaction_commits_the_open_group_first() {
        let (pool, gate, _dir) = setup("CREATE TABLE t (n BIGINT)").await;
        let (turn, first) = first_member(&pool, &gate, 1).await;
        let single = queue_writer(&gate, {
            let pool = pool.clone();
            move |turn| {
                let mut conn = pool.acquire_writer(&turn).unwrap();
                assert!(conn.conn().is_autocommit(), "the open group was committed before this writer's statement");
                insert(&mut conn, 2);
            }
        })
        .await;
        let released = first.release(turn.others_waiting()).unwrap();
        assert!(released.0.is_some());
        turn.hand_on().await;
        single.await.unwrap();
        released.committed(&gate).await.unwrap();
        assert_eq!(seen(&pool).await, [1, 2]);
    }

    #[tokio::test]
    async fn a_group_left_for_a_writer_that_gave_up_is_committed_by_its_member() {
        let (pool, gate, _dir) = setup("CREATE TABLE t (n BIGINT)").await;
        let (turn, first) = first_member(&pool, &gate, 1).await;
        let gave_up = queue_writer(&gate, |_turn| ()).await;
        let released = first.release(turn.others_waiting()).unwrap();
        assert!(released.0.is_some());
        gave_up.abort();
        let _ = gave_up.await;
        drop(turn);
        released.committed(&gate).await.unwrap();
        assert_eq!(seen(&pool).await, [1]);
    }

    #[tokio::test]
    async fn a_group_holds_at_most_its_most_members() {
        let (pool, gate, _dir) = setup("CREATE TABLE t (n BIGINT)").await;
        let mut pending = Vec::new();
        for n in 0..group::MAX_MEMBERS as i64 {
            let turn = gate.wait_turn().await.unwrap();
            let mut conn = pool.join_group(&turn).await.unwrap();
            insert(&mut conn, n);
            // As if a writer were always queued.
            let released = conn.release(true).unwrap();
            pending.push(released.0.is_some());
        }
        let last = pending.pop().unwrap();
        assert!(pending.iter().all(|&left_open| left_open));
        assert!(!last, "the group's last member commits it, whoever waits");
        assert_eq!(seen(&pool).await.len(), group::MAX_MEMBERS);
    }
}
