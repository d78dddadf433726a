//! Storage: every SQL statement of the server lives under this module.
//!
//! [`Store`] is the pool, for reads and for opening a [`Tx`]; [`Tx`] is one
//! write transaction, and every state change goes through one. The rest of
//! the server sees plain records (`crate::model`) and wire
//! types, never rows. Each file holds the SQL of one table (or two close
//! ones) and the `Store`/`Tx` methods over it.
//!
//! The secrets it keeps (`server_secrets`, the private half of
//! `signing_keys`, the TOTP secrets of `user_totp`) are sealed with the master key (`crate::master_key`),
//! which is not in the database; [`Store`] and [`Tx`] seal and open them at
//! this boundary, so the rest of the server sees them in the clear. Rows
//! from before sealing (migration 0009) are sealed when a server opens the
//! database. The database file is made with mode 0600.
//!
//! Two backends, SQLite (the embedded default) and PostgreSQL (for many
//! nodes), run the same queries: the SQL is portable (`$N` parameters,
//! `ON CONFLICT`, BIGINT epoch-ms times, TEXT ids, BOOLEAN flags read
//! through `backend::flag`). What differs between them is in `backend.rs`,
//! plus four things only a SQLite file has: `inline` (its connections,
//! whose statements run on the calling thread, without sqlx's worker
//! threads), `writer` (its writers queue for the one write lock), `group`
//! (the transactions of writers queued one behind another commit together)
//! and `checkpoint` (its WAL checkpoints, on a task).
//! The database file mode (0600) applies to SQLite.

mod backend;
mod checkpoint;
pub mod cleanup;
mod client_tokens;
mod clients;
mod email_links;
mod group;
mod inline;
mod invitations;
mod keys;
mod limit_buckets;
mod limits;
mod notices;
mod secrets;
mod sessions;
mod sign_in_alerts;
mod sign_ins;
mod sign_ups;
mod sqlite_error;
mod totp;
mod users;
mod webhooks;
mod writer;

use crate::codes::CodeKey;
use crate::master_key::MasterKey;
use crate::model::SignUpRecord;
use gatehouse_protocol::wire;
use std::sync::Arc;

use crate::config::DatabaseSettings;
pub use backend::{Backend, Conn, Db};
use backend::{DbRow, Pool, flag};
pub use client_tokens::{ClientToken, TokenState};
pub use clients::{InsertUserError, NewUser, SessionDevice};
pub use email_links::{EmailLink, LinkOwner, LiveLink, NewEmailLink};
pub use invitations::InvitationKey;
pub use limit_buckets::{BUCKET_MS, Bucket};
use notices::Listener;
pub use notices::{CHANNEL as NOTICE_CHANNEL, Notify};
pub use sessions::{SETUP_MFA, SessionActivity};
pub use sign_in_alerts::{NewSignInAlert, SignInAlert};
pub use users::{UserKey, WriteUserError};
pub use webhooks::{Attempt, DeliveryFilter, Outbox, Subscription};
use writer::{WriteGate, WriteTurn};

/// A stored value that does not parse: the database was written by
/// something else, which is our failure, not the client's.
fn corrupt(what: &str, value: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("unexpected {what} {value:?} in the database").into())
}

/// The storage of one Gatehouse instance.
#[derive(Clone, Debug)]
pub struct Store {
    pool: Pool,
    backend: Backend,
    master: Arc<MasterKey>,
    /// Told of every committed change on SQLite (see `notices`).
    listener: Listener,
    /// Where this process's SQLite writers queue for the one write lock.
    gate: WriteGate,
    /// The webhook endpoints events are recorded for, and the worker's wake.
    outbox: Outbox,
    /// The WAL's checkpoints (a SQLite file), running while a clone lives.
    _checkpoints: Option<Arc<checkpoint::Checkpoints>>,
}

impl Store {
    /// Opens the database with the master key from `GATEHOUSE_MASTER_KEY`
    /// or the key file beside it (see [`Store::connect_with`]).
    pub async fn connect(url: &str) -> anyhow::Result<Store> {
        Store::connect_with(url, None, DatabaseSettings::default()).await
    }

    /// Opens the database (`sqlite://FILE`, created with mode 0600 if
    /// missing, or `postgres://...`), brings its schema up to date
    /// (`server/migrations/<backend>`) and seals any secret still stored in
    /// the clear. `master_key`: the key that seals them; `None` takes it
    /// from `GATEHOUSE_MASTER_KEY`, or for SQLite the key file beside the
    /// database. PostgreSQL has no file to keep it beside: it needs one of
    /// the first two.
    pub async fn connect_with(
        url: &str,
        master_key: Option<MasterKey>,
        settings: DatabaseSettings,
    ) -> anyhow::Result<Store> {
        if Backend::of_url(url)? == Backend::Postgres
            && master_key.is_none()
            && std::env::var_os(crate::master_key::ENV).is_none()
        {
            anyhow::bail!(
                "a PostgreSQL database needs the master key in {} (32 bytes as hex: `openssl rand -hex 32`)",
                crate::master_key::ENV
            );
        }
        let (pool, backend, database_file) = backend::open(url, settings).await?;
        let master = MasterKey::resolve(master_key, database_file.as_deref())?;
        let gate = WriteGate::for_database(backend, database_file.is_some());
        let checkpoints = match &pool {
            backend::Pool::Sqlite(sqlite) => Some(Arc::new(checkpoint::start(sqlite.clone(), gate.clone()))),
            backend::Pool::Sqlx(_) => None,
        };
        let store = Store {
            pool,
            backend,
            master: Arc::new(master),
            listener: Listener::default(),
            gate,
            outbox: Outbox::default(),
            _checkpoints: checkpoints,
        };
        store.seal_plaintext_secrets().await?;
        Ok(store)
    }

    /// This store, its transactions telling `notify` (this node's hub) of
    /// what they changed once committed. On PostgreSQL the notices go
    /// through the database instead (`pg_notify`), to every node's listener.
    pub fn announcing_to(self, notify: Arc<dyn Notify>) -> Store {
        Store { listener: Listener(notify), ..self }
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Seals the secrets an older server stored in the clear (migration 0009).
    async fn seal_plaintext_secrets(&self) -> anyhow::Result<()> {
        let mut tx = self.begin().await?;
        let secrets = secrets::seal_plaintext(&mut tx.tx, &self.master).await?;
        let keys = keys::seal_plaintext(&mut tx.tx, &self.master).await?;
        tx.commit().await?;
        if secrets + keys > 0 {
            tracing::warn!(secrets, signing_keys = keys, "sealed secrets stored in the clear by an older version");
        }
        Ok(())
    }

    /// Whether the database answers: one `SELECT 1` on a pooled connection
    /// (`GET /readyz`).
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Closes the pool: every later query fails at once. Waits for the
    /// connections in use to come back.
    pub async fn close(&self) {
        self.pool.close(&self.gate).await;
    }

    /// Starts a write transaction (see [`Backend::begin_statement`] for
    /// what each backend guarantees).
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        let turn = self.gate.wait_turn().await?;
        let tx = self.pool.begin_with(self.backend.begin_statement(), &turn).await?;
        Ok(Tx {
            _turn: turn,
            gate: self.gate.clone(),
            tx,
            backend: self.backend,
            master: self.master.clone(),
            listener: self.listener.clone(),
            announced: Vec::new(),
            outbox: self.outbox.clone(),
            recorded_events: false,
            bucket_shard: None,
        })
    }

    /// The key that hashes verification codes, made on first start.
    pub async fn code_key(&self) -> anyhow::Result<CodeKey> {
        // It may write the key: this process's turn first (`writer`).
        let turn = self.gate.wait_turn().await?;
        let mut conn = self.pool.acquire_writer(&turn).await?;
        secrets::code_key(&mut conn, &self.master).await
    }

    /// The client a token belongs to, by the token's hash.
    pub async fn client_by_token(&self, token_hash: &str) -> Result<Option<String>, sqlx::Error> {
        clients::by_token(&mut self.pool.acquire().await?, token_hash).await
    }

    /// Registers a new client.
    pub async fn create_client(&self, id: &str, token_hash: &str, now: i64) -> Result<(), sqlx::Error> {
        let turn = self.gate.wait_turn().await?;
        clients::create(&mut self.pool.acquire_writer(&turn).await?, id, token_hash, now).await
    }

    /// The client resource, with its live sessions at `now`.
    pub async fn client(&self, id: &str, now: i64) -> Result<wire::Client, sqlx::Error> {
        Ok(clients::resource(&mut self.pool.acquire().await?, id, now).await?.0)
    }

    /// A sign-up of this client.
    pub async fn sign_up(&self, id: &str, client_id: &str) -> Result<Option<SignUpRecord>, sqlx::Error> {
        sign_ups::load(&mut self.pool.acquire().await?, id, client_id, "").await
    }

    /// An email link, by the hash of its token.
    pub async fn email_link(&self, token_hash: &str) -> Result<Option<EmailLink>, sqlx::Error> {
        email_links::by_hash(&mut self.pool.acquire().await?, token_hash).await
    }

    /// Forgets that a code was sent (when it could not be delivered after all).
    pub async fn forget_code_sent(&self, address: &str, sent_at: i64) -> Result<(), sqlx::Error> {
        let turn = self.gate.wait_turn().await?;
        secrets::forget_code_sent(&mut self.pool.acquire_writer(&turn).await?, address, sent_at).await
    }
}

/// One write transaction. Dropped without [`Tx::commit`], it rolls back,
/// and announces nothing.
pub struct Tx {
    /// Its connection, inside the transaction.
    tx: Conn,
    backend: Backend,
    master: Arc<MasterKey>,
    listener: Listener,
    /// The sign-ups it saved, announced when it commits.
    announced: Vec<String>,
    /// Where its webhook events go, and whether it recorded one (the
    /// worker is woken when it commits).
    outbox: Outbox,
    recorded_events: bool,
    /// The shard of `limit_buckets` it counts in, chosen at its first count.
    bucket_shard: Option<u32>,
    /// This process's turn to write (SQLite). Declared after `tx`, so it
    /// is dropped after it: held until the transaction has ended.
    _turn: WriteTurn,
    /// Where a member of a group commit (`group`) takes a turn to commit
    /// its group, if the writer it was left open for never came.
    gate: WriteGate,
}

impl Tx {
    /// Commits, then announces the sign-ups it changed: on SQLite to this
    /// node's hub here; on PostgreSQL the database delivers the notices it
    /// queued (see `notices`). Wakes this node's webhook worker if it
    /// recorded an event (`webhooks`).
    ///
    /// A SQLite file's writer with no one queued behind it first lets the
    /// tasks ready on its worker run (`writer::WriteTurn::gather`). It then
    /// hands its turn on (`writer::WriteTurn::hand_on`) and, if it left
    /// its group commit open for the writer queued behind it (`group`),
    /// waits for that commit: it answers once what it wrote is committed,
    /// as a transaction of its own would.
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        let Tx { tx, backend, listener, announced, outbox, recorded_events, _turn: turn, gate, .. } = self;
        turn.gather().await;
        let released = tx.commit(turn.others_waiting()).await?;
        turn.hand_on().await;
        released.committed(&gate).await?;
        if recorded_events {
            outbox.wake();
        }
        if backend == Backend::Sqlite {
            for id in &announced {
                listener.0.changed(id);
            }
        }
        Ok(())
    }

    /// A sign-up of this client, to change: loaded for update. On
    /// PostgreSQL its row stays locked until this transaction ends, so two
    /// requests changing one sign-up take turns, the second seeing what the
    /// first wrote (SQLite's write lock gives the same).
    pub async fn sign_up(&mut self, id: &str, client_id: &str) -> Result<Option<SignUpRecord>, sqlx::Error> {
        sign_ups::load(&mut self.tx, id, client_id, self.backend.for_update()).await
    }

    /// Registers a new client, in this transaction.
    pub async fn create_client(&mut self, id: &str, token_hash: &str, now: i64) -> Result<(), sqlx::Error> {
        clients::create(&mut self.tx, id, token_hash, now).await
    }

    /// The client resource as this transaction sees it, with its live
    /// sessions at `now`, and whether its token is due for replacement.
    pub async fn client(&mut self, id: &str, now: i64) -> Result<(wire::Client, bool), sqlx::Error> {
        clients::resource(&mut self.tx, id, now).await
    }

    /// The client's current sign-up, if it has one, loaded for update (as
    /// [`Tx::sign_up`]).
    pub async fn current_sign_up(&mut self, client_id: &str) -> Result<Option<SignUpRecord>, sqlx::Error> {
        match clients::sign_up_id(&mut self.tx, client_id).await? {
            Some(id) => sign_ups::load(&mut self.tx, &id, client_id, self.backend.for_update()).await,
            None => Ok(None),
        }
    }

    /// Writes a sign-up and its verifications; a new one also becomes its
    /// client's current sign-up. The change is announced when this
    /// transaction commits.
    pub async fn save_sign_up(&mut self, sign_up: &SignUpRecord, is_new: bool) -> Result<(), sqlx::Error> {
        sign_ups::save(&mut self.tx, sign_up, is_new).await?;
        notices::announce(&mut self.tx, self.backend, &mut self.announced, &sign_up.id).await?;
        if is_new {
            clients::set_sign_up(&mut self.tx, &sign_up.client_id, &sign_up.id).await?;
        }
        Ok(())
    }

    /// Whether a user already has this email address, phone number or username.
    pub async fn identifier_taken(
        &mut self,
        field: gatehouse_protocol::Field,
        value: &str,
    ) -> Result<bool, sqlx::Error> {
        clients::identifier_taken(&mut self.tx, field, value).await
    }

    /// Creates a user; a unique identifier already taken answers `Err(Some(field))`.
    pub async fn insert_user(&mut self, user: &NewUser<'_>) -> Result<(), InsertUserError> {
        clients::insert_user(&mut self.tx, user).await
    }

    /// Creates a session and makes it the client's last active one; with
    /// the `device` it is signed in from, when known, recorded with it.
    pub async fn insert_session(
        &mut self,
        session: &wire::Session,
        client_id: &str,
        device: Option<SessionDevice<'_>>,
    ) -> Result<(), sqlx::Error> {
        clients::insert_session(&mut self.tx, session, client_id, device).await
    }

    /// An email link, by the hash of its token, as this transaction sees it.
    pub async fn email_link(&mut self, token_hash: &str) -> Result<Option<EmailLink>, sqlx::Error> {
        email_links::by_hash(&mut self.tx, token_hash).await
    }

    /// Stores a new link, after spending its owner's earlier ones and
    /// forgetting links that expired long ago (`purge_before`).
    pub async fn insert_email_link(&mut self, link: &NewEmailLink<'_>, purge_before: i64) -> Result<(), sqlx::Error> {
        email_links::purge(&mut self.tx, purge_before).await?;
        email_links::spend_all(&mut self.tx, &link.owner, link.created_at).await?;
        email_links::insert(&mut self.tx, link).await
    }

    /// The live (unspent) link of a sign-up or sign-in, if any.
    pub async fn live_email_link(&mut self, owner: &LinkOwner) -> Result<Option<LiveLink>, sqlx::Error> {
        email_links::live(&mut self.tx, owner).await
    }

    /// Spends the live links of a sign-up or sign-in (a code was sent instead).
    pub async fn spend_email_links(&mut self, owner: &LinkOwner, now: i64) -> Result<(), sqlx::Error> {
        email_links::spend_all(&mut self.tx, owner, now).await
    }

    /// Spends one link; answers whether it was still live. A conditional
    /// update (`spent_at IS NULL`) whose row count is checked: of two
    /// transactions spending one link, on one node or two, exactly one gets
    /// `true` (PostgreSQL re-checks the condition after waiting for the
    /// other's commit).
    pub async fn spend_email_link(&mut self, token_hash: &str, now: i64) -> Result<bool, sqlx::Error> {
        email_links::spend(&mut self.tx, token_hash, now).await
    }

    /// Claims sending a code to this address (`email:...`, `sms:...`) now,
    /// unless one went less than `resend_ms` ago: `None` when claimed, else
    /// the wait in ms. Atomic across transactions and nodes (one
    /// conditional upsert); rolled back with the transaction.
    pub async fn claim_code_send(
        &mut self,
        address: &str,
        now: i64,
        resend_ms: i64,
    ) -> Result<Option<i64>, sqlx::Error> {
        secrets::claim_code_send(&mut self.tx, address, now, resend_ms).await
    }
}

#[cfg(test)]
mod tests {
    use super::Store;

    #[tokio::test]
    async fn an_in_memory_database_keeps_its_secret() {
        let store = Store::connect("sqlite::memory:").await.unwrap();
        let a = store.code_key().await.unwrap();
        let b = store.code_key().await.unwrap();
        let id = "su_1";
        let field = gatehouse_protocol::Field::EmailAddress;
        assert_eq!(a.hash(id, field, "123456"), b.hash(id, field, "123456"));
        store.create_client("client_1", "hash", 0).await.unwrap();
        assert_eq!(store.client_by_token("hash").await.unwrap().as_deref(), Some("client_1"));
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    /// Everything on disk for the database: the file and its WAL.
    fn bytes_on_disk(db: &std::path::Path) -> Vec<u8> {
        let mut all = std::fs::read(db).unwrap();
        let mut wal = db.as_os_str().to_owned();
        wal.push("-wal");
        all.extend(std::fs::read(wal).unwrap_or_default());
        all
    }

    #[tokio::test]
    async fn a_copy_of_the_database_holds_no_key_in_the_clear() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("g.db");
        let store = Store::connect(&format!("sqlite://{}", db.display())).await.unwrap();
        let code_key = store.code_key().await.unwrap().raw();
        crate::session::keys::ensure(&store, 0).await.unwrap();
        let seed = store.signing_keys().await.unwrap()[0].private_key.clone().expect("a private key");
        let disk = bytes_on_disk(&db);
        assert!(disk.len() > 4096, "the database was written");
        for secret in [
            code_key.to_vec(),
            crate::ids::hex(&code_key).into_bytes(),
            seed.clone().into_bytes(),
            crate::ids::unhex(&seed).unwrap(),
        ] {
            assert!(!contains(&disk, &secret), "a secret is in the clear in the database file");
        }
        assert!(contains(&disk, b"v1."), "the secrets are there, sealed");
        for file in [db.clone(), crate::master_key::key_file(&db)] {
            assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600, "{}", file.display());
        }
        drop(store);
    }

    #[tokio::test]
    async fn secrets_stored_in_the_clear_by_an_older_version_are_sealed_on_start() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("old.db");
        let url = format!("sqlite://{}", db.display());
        let old_key = "11".repeat(32);
        let old_seed = "22".repeat(32);
        {
            let store = Store::connect(&url).await.unwrap();
            // What a server before 0009 wrote: both in the clear.
            sqlx::query("INSERT INTO server_secrets (name, value, sealed) VALUES ('code_hmac_key', $1, FALSE)")
                .bind(&old_key)
                .execute(&store.pool)
                .await
                .unwrap();
            sqlx::query(
                "INSERT INTO signing_keys (kid, public_key, private_key, private_key_sealed, created_at, active_from) \
                 VALUES ('old', 'x', $1, FALSE, 0, 0)",
            )
            .bind(&old_seed)
            .execute(&store.pool)
            .await
            .unwrap();
            store.pool.close(&store.gate).await;
        }
        let store = Store::connect(&url).await.unwrap();
        assert_eq!(store.code_key().await.unwrap().raw(), [0x11; 32], "the same key, now sealed");
        assert_eq!(store.signing_keys().await.unwrap()[0].private_key.as_deref(), Some(old_seed.as_str()));
        let stored: Vec<(String,)> =
            sqlx::query_as("SELECT value FROM server_secrets UNION ALL SELECT private_key FROM signing_keys")
                .fetch_all(&store.pool)
                .await
                .unwrap();
        assert!(
            stored.iter().all(|(v,)| v.starts_with("v1.") && !v.contains(&old_key) && !v.contains(&old_seed)),
            "{stored:?}"
        );
    }
}
