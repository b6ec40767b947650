//! SQLite storage of appointments: the only file with SQL. One writer connection behind a mutex,
//! so a double-booking check and the write it guards run in one transaction, never interleaved;
//! reads and searches go through a pool of query-only connections beside it (WAL in a file).
//! Search filters, sorts, counts and pages in SQL over indexed columns.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, TransactionBehavior, params};

use super::domain::Appointment;
use super::settings::Coding;
use super::status::CanvasStatus;

/// A storage failure (never the client's fault).
#[derive(Debug, thiserror::Error)]
pub(crate) enum StoreError {
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("the database lock was poisoned by a panic")]
    Poisoned,
}

/// What a guarded write came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Write {
    Done,
    /// The practitioner already has an appointment at that time (double booking disallowed).
    SlotTaken,
    /// No appointment with that id.
    Missing,
}

/// The comparison a start-time bound makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Bound {
    /// start >= ms
    AtOrAfter(i64),
    /// start < ms
    Before(i64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SortKey {
    Date,
    Patient,
    Practitioner,
}

/// A token search value (FHIR R4 search §token; D30): what a code and its system must be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Token {
    /// `code`: the code in any system (or none).
    Code(String),
    /// `system|code`.
    SystemCode(String, String),
    /// `|code`: the code with no system.
    NoSystem(String),
    /// `system|`: any code of the system.
    System(String),
}

/// A search, already parsed and validated (see `search.rs`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Filters {
    pub ids: Option<Vec<String>>,
    /// The appointment type's coding.
    pub appointment_type: Option<Token>,
    /// An external identifier's system and value.
    pub identifier: Option<Token>,
    pub location: Option<String>,
    pub patient: Option<String>,
    pub practitioner: Option<String>,
    pub statuses: Option<Vec<CanvasStatus>>,
    pub start: Vec<Bound>,
    /// (lo, hi) in epoch ms: only appointments whose span `[min(start, end), max(start, end)]`
    /// reaches into `[lo, hi)` (`min < hi` and `max >= lo`): a superset of those that overlap
    /// it, which Slot search narrows exactly (`free_slots.rs`).
    pub overlapping: Option<(i64, i64)>,
    /// Sort keys with `true` for descending, before the fixed start, id tie-break.
    pub sort: Vec<(SortKey, bool)>,
    /// (limit, offset) when paging.
    pub page: Option<(u64, u64)>,
}

const COLUMNS: &str = "id, status, type_system, type_code, type_display, rfv_system, rfv_code, \
    rfv_display, rfv_text, meeting_link, location_id, encounter_id, start_ms, end_ms, \
    practitioner_id, patient_id, rescheduled_from, rescheduled_to, note_id, identifiers, \
    coscheduled, updated_ms";

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS appointment (
    id TEXT PRIMARY KEY NOT NULL,
    status TEXT NOT NULL,
    type_system TEXT NOT NULL,
    type_code TEXT NOT NULL,
    type_display TEXT NOT NULL,
    rfv_system TEXT,
    rfv_code TEXT,
    rfv_display TEXT,
    rfv_text TEXT,
    meeting_link TEXT,
    location_id TEXT NOT NULL,
    encounter_id TEXT NOT NULL,
    start_ms INTEGER NOT NULL,
    end_ms INTEGER NOT NULL,
    practitioner_id TEXT NOT NULL,
    patient_id TEXT,
    rescheduled_from TEXT,
    rescheduled_to TEXT,
    note_id TEXT,
    identifiers TEXT,
    coscheduled TEXT,
    updated_ms INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS appointment_start ON appointment (start_ms, id);
DROP INDEX IF EXISTS appointment_practitioner;
DROP INDEX IF EXISTS appointment_patient;
DROP INDEX IF EXISTS appointment_status;
CREATE INDEX IF NOT EXISTS appointment_practitioner_start
    ON appointment (practitioner_id, start_ms, id);
CREATE INDEX IF NOT EXISTS appointment_patient_start ON appointment (patient_id, start_ms, id);
CREATE INDEX IF NOT EXISTS appointment_status_start ON appointment (status, start_ms, id);
CREATE INDEX IF NOT EXISTS appointment_type ON appointment (type_code, type_system);
CREATE INDEX IF NOT EXISTS appointment_location ON appointment (location_id);
";

/// Idle read connections kept open between requests (more open while more reads are in flight).
const IDLE_READERS: usize = 8;

/// Prepared statements cached per connection (search builds one per filter combination).
const STATEMENT_CACHE: usize = 64;

/// How long a connection waits for a lock another holds before it fails.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

pub(crate) struct Store {
    /// The one writer: every write runs here in an IMMEDIATE transaction.
    writer: Mutex<Connection>,
    /// Where reader connections open: the database file, or the shared `memdb` name.
    location: PathBuf,
    /// Idle query-only connections, reused by reads and searches.
    idle: Mutex<Vec<Connection>>,
}

impl Store {
    /// Opens (and creates the schema of) a database file, or an in-memory one.
    ///
    /// A file is switched to WAL, so readers never wait for the writer. An in-memory database is
    /// a `memdb` one under a unique name (`file:/canvas-conformance-<uuid>?vfs=memdb`): the same
    /// RAM-only, gone-at-exit database as before, but one that the reader connections can open
    /// too; it has no WAL, so a reader waits only while a commit is being applied. (A shared-cache
    /// URI would make readers fail with SQLITE_LOCKED during writes; a temp file would outlive a
    /// killed server.) The database lives while the store's writer is open.
    pub(crate) fn open(path: Option<&Path>) -> Result<Store, StoreError> {
        let location = match path {
            Some(path) => path.to_path_buf(),
            None => PathBuf::from(format!(
                "file:/canvas-conformance-{}?vfs=memdb",
                uuid::Uuid::new_v4().simple()
            )),
        };
        let conn = open_connection(&location)?;
        conn.execute_batch(SCHEMA)?;
        upgrade(&conn)?;
        // the answer is the mode now in force: `wal` for a file, the old mode where WAL is
        // impossible (memdb, shared-cache memory)
        let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        Ok(Store {
            writer: Mutex::new(conn),
            location,
            idle: Mutex::new(Vec::new()),
        })
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Connection>, StoreError> {
        self.writer.lock().map_err(|_| StoreError::Poisoned)
    }

    /// Runs `work` on an idle reader, or a new one (query-only: it can never write), and hands
    /// the reader back to the pool afterwards.
    fn read<T>(
        &self,
        work: impl FnOnce(&mut Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let idle = self.idle.lock().map_err(|_| StoreError::Poisoned)?.pop();
        let mut conn = match idle {
            Some(conn) => conn,
            None => {
                let conn = open_connection(&self.location)?;
                conn.execute_batch("PRAGMA query_only = ON")?;
                conn
            }
        };
        let result = work(&mut conn);
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < IDLE_READERS
        {
            idle.push(conn);
        }
        Ok(result?)
    }

    /// Inserts the seeded appointments that are not there yet (restarts don't duplicate them).
    pub(crate) fn seed(&self, rows: &[Appointment]) -> Result<(), StoreError> {
        let mut conn = self.lock()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        for row in rows {
            write_row(&tx, row, "INSERT OR IGNORE")?;
        }
        tx.commit()?;
        Ok(())
    }

    pub(crate) fn get(&self, id: &str) -> Result<Option<Appointment>, StoreError> {
        self.read(|conn| get_row(conn, id))
    }

    /// Inserts a new appointment; with `guard`, refuses it if the practitioner's slot is taken.
    pub(crate) fn insert(&self, row: &Appointment, guard: bool) -> Result<Write, StoreError> {
        let mut conn = self.lock()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if guard && slot_taken(&tx, row)? {
            return Ok(Write::SlotTaken);
        }
        write_row(&tx, row, "INSERT")?;
        tx.commit()?;
        Ok(Write::Done)
    }

    /// Reads, changes (through `change`, which may refuse) and writes back one appointment, in one
    /// transaction; with `guard`, refuses the result if the practitioner's slot is taken.
    pub(crate) fn update<E: From<StoreError>>(
        &self,
        id: &str,
        guard: bool,
        change: impl FnOnce(Appointment) -> Result<Appointment, E>,
    ) -> Result<Write, E> {
        let mut conn = self.lock()?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(StoreError::from)?;
        let Some(stored) = get_row(&tx, id).map_err(StoreError::from)? else {
            return Ok(Write::Missing);
        };
        let changed = change(stored)?;
        if guard && slot_taken(&tx, &changed)? {
            return Ok(Write::SlotTaken);
        }
        write_row(&tx, &changed, "INSERT OR REPLACE").map_err(StoreError::from)?;
        tx.commit().map_err(StoreError::from)?;
        Ok(Write::Done)
    }

    /// Counts every match and returns the requested page (or all matches without paging), both
    /// from one read transaction, so the total and the page agree.
    pub(crate) fn search(&self, filters: &Filters) -> Result<(u64, Vec<Appointment>), StoreError> {
        let (clause, mut values) = where_clause(filters);
        let mut order: Vec<String> = filters
            .sort
            .iter()
            .map(|(key, desc)| {
                let column = match key {
                    SortKey::Date => "start_ms",
                    SortKey::Patient => "patient_id",
                    SortKey::Practitioner => "practitioner_id",
                };
                format!("{column} {}", if *desc { "DESC" } else { "ASC" })
            })
            .collect();
        order.push("start_ms ASC".to_string());
        order.push("id ASC".to_string());
        let (limit, offset) = match filters.page {
            Some((limit, offset)) => (
                i64::try_from(limit).unwrap_or(i64::MAX),
                i64::try_from(offset).unwrap_or(i64::MAX),
            ),
            None => (-1, 0),
        };
        let count_sql = format!("SELECT COUNT(*) FROM appointment{clause}");
        let sql = format!(
            "SELECT {COLUMNS} FROM appointment{clause} ORDER BY {} LIMIT ? OFFSET ?",
            order.join(", ")
        );
        let (total, rows) = self.read(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred)?;
            let total: i64 = tx
                .prepare_cached(&count_sql)?
                .query_row(rusqlite::params_from_iter(values.iter()), |r| r.get(0))?;
            values.push(SqlValue::Integer(limit));
            values.push(SqlValue::Integer(offset));
            let rows = tx
                .prepare_cached(&sql)?
                .query_map(rusqlite::params_from_iter(values.iter()), read_row)?
                .collect::<Result<Vec<_>, _>>()?;
            tx.commit()?;
            Ok((total, rows))
        })?;
        Ok((u64::try_from(total).unwrap_or(0), rows))
    }
}

/// First start time of the synthetic appointments (2030-01-01T00:00Z, in epoch milliseconds).
pub const SYNTHETIC_START_MS: i64 = 1_893_456_000_000;
/// Synthetic appointment `i` starts `i` steps (15 minutes) after [`SYNTHETIC_START_MS`].
pub const SYNTHETIC_STEP_MS: i64 = 15 * 60 * 1000;

/// The id of synthetic appointment `i` (a UUID, apart from the reference seeds' `…-8000-…` ids).
pub fn synthetic_id(i: u64) -> String {
    format!("00000000-0000-4000-9000-{i:012x}")
}

/// Bulk-inserts `count` synthetic appointments (for benchmarks: `serve --seed-synthetic N`) into
/// the database at `path` in one transaction, creating the schema. Appointment `i` has id
/// [`synthetic_id`]`(i)`, starts at `SYNTHETIC_START_MS + i × SYNTHETIC_STEP_MS` for 30 minutes,
/// and cycles through the settings' practitioners, patients, appointment types and every Canvas
/// status. Existing ids are kept. The open connection is returned: a shared in-memory (memdb) database
/// (`file:/NAME?vfs=memdb`) lives only while one connection to it is open.
pub fn seed_synthetic(
    path: &Path,
    count: u64,
    settings: &super::settings::Settings,
) -> Result<Connection, rusqlite::Error> {
    let mut conn = Connection::open(path)?;
    conn.execute_batch(SCHEMA)?;
    let pick = |len: usize, i: u64| usize::try_from(i % len.max(1) as u64).unwrap_or(0);
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    for i in 0..count {
        let start_ms = SYNTHETIC_START_MS.saturating_add(
            i64::try_from(i)
                .unwrap_or(i64::MAX)
                .saturating_mul(SYNTHETIC_STEP_MS),
        );
        let kind = settings
            .appointment_types
            .get(pick(settings.appointment_types.len(), i));
        let row = Appointment {
            id: synthetic_id(i),
            status: CanvasStatus::ALL[pick(CanvasStatus::ALL.len(), i)],
            appointment_type: kind.map(|k| k.coding()).unwrap_or(Coding {
                system: "INTERNAL".into(),
                code: "SYNTH".into(),
                display: "Synthetic".into(),
            }),
            rfv_coding: None,
            rfv_text: Some(format!("synthetic {i}")),
            meeting_link: None,
            location: settings
                .locations
                .first()
                .map_or_else(|| "1".to_owned(), |l| l.id.clone()),
            encounter: format!("00000000-0000-4000-a000-{i:012x}"),
            start_ms,
            end_ms: start_ms.saturating_add(30 * 60 * 1000),
            practitioner: settings
                .practitioners
                .get(pick(settings.practitioners.len(), i))
                .map_or_else(String::new, |p| p.id.clone()),
            patient: settings
                .patients
                .get(pick(settings.patients.len(), i / 2))
                .map(|p| p.id.clone()),
            rescheduled_from: None,
            rescheduled_to: None,
            note_id: None,
            identifiers: Vec::new(),
            coscheduled: Vec::new(),
            updated_ms: SYNTHETIC_START_MS,
        };
        write_row(&tx, &row, "INSERT OR IGNORE")?;
    }
    tx.commit()?;
    Ok(conn)
}

/// A connection with the store's busy timeout and statement cache.
fn open_connection(location: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(location)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(conn)
}

/// Adds the columns a database file written before the current edition lacks.
fn upgrade(conn: &Connection) -> rusqlite::Result<()> {
    let mut statement = conn.prepare("SELECT name FROM pragma_table_info('appointment')")?;
    let present = statement
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    for (column, kind) in [
        ("note_id", "TEXT"),
        ("identifiers", "TEXT"),
        ("coscheduled", "TEXT"),
        ("updated_ms", "INTEGER NOT NULL DEFAULT 0"),
    ] {
        if !present.iter().any(|p| p == column) {
            conn.execute_batch(&format!(
                "ALTER TABLE appointment ADD COLUMN {column} {kind}"
            ))?;
        }
    }
    Ok(())
}

fn where_clause(filters: &Filters) -> (String, Vec<SqlValue>) {
    let mut conditions: Vec<String> = Vec::new();
    let mut values: Vec<SqlValue> = Vec::new();
    let text = |s: &str| SqlValue::Text(s.to_string());
    let mut any_of = |column: &str, items: Vec<SqlValue>, conditions: &mut Vec<String>| {
        if items.is_empty() {
            conditions.push("0".to_string());
        } else {
            let marks = vec!["?"; items.len()].join(", ");
            conditions.push(format!("{column} IN ({marks})"));
            values.extend(items);
        }
    };
    if let Some(ids) = &filters.ids {
        any_of("id", ids.iter().map(|s| text(s)).collect(), &mut conditions);
    }
    if let Some(statuses) = &filters.statuses {
        let items = statuses.iter().map(|s| text(s.canvas_name())).collect();
        any_of("status", items, &mut conditions);
    }
    if let Some(token) = &filters.appointment_type {
        let (system, code) = match token {
            Token::Code(code) => (None, Some(code.as_str())),
            Token::SystemCode(system, code) => (Some(system.as_str()), Some(code.as_str())),
            // stored types always carry a system; none matches an empty one
            Token::NoSystem(code) => (Some(""), Some(code.as_str())),
            Token::System(system) => (Some(system.as_str()), None),
        };
        if let Some(code) = code {
            any_of("type_code", vec![text(code)], &mut conditions);
        }
        if let Some(system) = system {
            any_of("type_system", vec![text(system)], &mut conditions);
        }
    }
    for (column, value) in [
        ("location_id", &filters.location),
        ("patient_id", &filters.patient),
        ("practitioner_id", &filters.practitioner),
    ] {
        if let Some(value) = value {
            any_of(column, vec![text(value)], &mut conditions);
        }
    }
    if let Some(token) = &filters.identifier {
        const VALUE: &str = "json_extract(i.value, '$.value') = ?";
        const SYSTEM: &str = "json_extract(i.value, '$.system') = ?";
        let (test, items) = match token {
            Token::Code(value) => (VALUE.to_string(), vec![value]),
            Token::SystemCode(system, value) => {
                (format!("{VALUE} AND {SYSTEM}"), vec![value, system])
            }
            Token::NoSystem(value) => (
                format!("{VALUE} AND json_extract(i.value, '$.system') IS NULL"),
                vec![value],
            ),
            Token::System(system) => (SYSTEM.to_string(), vec![system]),
        };
        conditions.push(format!(
            "EXISTS (SELECT 1 FROM json_each(appointment.identifiers) AS i WHERE {test})"
        ));
        values.extend(items.into_iter().map(|item| text(item)));
    }
    if let Some((lo, hi)) = filters.overlapping {
        conditions.push("MIN(start_ms, end_ms) < ? AND MAX(start_ms, end_ms) >= ?".to_string());
        values.push(SqlValue::Integer(hi));
        values.push(SqlValue::Integer(lo));
    }
    for bound in &filters.start {
        let (condition, ms) = match bound {
            Bound::AtOrAfter(ms) => ("start_ms >= ?", ms),
            Bound::Before(ms) => ("start_ms < ?", ms),
        };
        conditions.push(condition.to_string());
        values.push(SqlValue::Integer(*ms));
    }
    if conditions.is_empty() {
        (String::new(), values)
    } else {
        (format!(" WHERE {}", conditions.join(" AND ")), values)
    }
}

/// Whether another slot-holding appointment of the same practitioner overlaps `row`'s time.
/// Times are [min, max) so a negative duration still occupies its span; a zero-length
/// appointment occupies its instant.
fn slot_taken(tx: &Transaction<'_>, row: &Appointment) -> Result<bool, StoreError> {
    if !row.status.holds_slot() {
        return Ok(false);
    }
    let lo = row.start_ms.min(row.end_ms);
    let hi = row.start_ms.max(row.end_ms);
    let holding: Vec<String> = CanvasStatus::ALL
        .iter()
        .filter(|s| s.holds_slot())
        .map(|s| format!("'{}'", s.canvas_name()))
        .collect();
    let sql = format!(
        "SELECT EXISTS (SELECT 1 FROM (
            SELECT MIN(start_ms, end_ms) AS lo, MAX(start_ms, end_ms) AS hi FROM appointment
            WHERE practitioner_id = ?1 AND id <> ?2 AND status IN ({})
        ) WHERE (?3 < hi AND lo < ?4)
             OR (?3 = ?4 AND lo <= ?3 AND ?3 < hi)
             OR (lo = hi AND ?3 <= lo AND lo < ?4)
             OR (?3 = ?4 AND lo = hi AND lo = ?3))",
        holding.join(", ")
    );
    let taken: bool = tx
        .prepare_cached(&sql)?
        .query_row(params![row.practitioner, row.id, lo, hi], |r| r.get(0))?;
    Ok(taken)
}

fn get_row(conn: &Connection, id: &str) -> rusqlite::Result<Option<Appointment>> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM appointment WHERE id = ?1"))?
        .query_row([id], read_row)
        .optional()
}

fn write_row(conn: &Connection, row: &Appointment, verb: &str) -> rusqlite::Result<()> {
    let sql = format!(
        "{verb} INTO appointment ({COLUMNS}) VALUES \
         (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, \
         ?19, ?20, ?21, ?22)"
    );
    let identifiers = (!row.identifiers.is_empty())
        .then(|| serde_json::to_string(&row.identifiers))
        .transpose()
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    let coscheduled = (!row.coscheduled.is_empty())
        .then(|| serde_json::to_string(&row.coscheduled))
        .transpose()
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    let rfv = row.rfv_coding.as_ref();
    conn.prepare_cached(&sql)?.execute(params![
        row.id,
        row.status.canvas_name(),
        row.appointment_type.system,
        row.appointment_type.code,
        row.appointment_type.display,
        rfv.map(|c| &c.system),
        rfv.map(|c| &c.code),
        rfv.map(|c| &c.display),
        row.rfv_text,
        row.meeting_link,
        row.location,
        row.encounter,
        row.start_ms,
        row.end_ms,
        row.practitioner,
        row.patient,
        row.rescheduled_from,
        row.rescheduled_to,
        row.note_id,
        identifiers,
        coscheduled,
        row.updated_ms,
    ])?;
    Ok(())
}

fn read_row(r: &Row<'_>) -> rusqlite::Result<Appointment> {
    let status: String = r.get(1)?;
    let status = CanvasStatus::from_canvas_name(&status).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            1,
            rusqlite::types::Type::Text,
            format!("unknown Canvas status {status:?}").into(),
        )
    })?;
    let rfv_system: Option<String> = r.get(5)?;
    let rfv_code: Option<String> = r.get(6)?;
    let rfv_display: Option<String> = r.get(7)?;
    let rfv_coding = match (rfv_system, rfv_code) {
        (Some(system), Some(code)) => Some(Coding {
            system,
            code,
            display: rfv_display.unwrap_or_default(),
        }),
        _ => None,
    };
    Ok(Appointment {
        id: r.get(0)?,
        status,
        appointment_type: Coding {
            system: r.get(2)?,
            code: r.get(3)?,
            display: r.get(4)?,
        },
        rfv_coding,
        rfv_text: r.get(8)?,
        meeting_link: r.get(9)?,
        location: r.get(10)?,
        encounter: r.get(11)?,
        start_ms: r.get(12)?,
        end_ms: r.get(13)?,
        practitioner: r.get(14)?,
        patient: r.get(15)?,
        rescheduled_from: r.get(16)?,
        rescheduled_to: r.get(17)?,
        note_id: r.get(18)?,
        identifiers: json_list(r, 19)?,
        coscheduled: json_list(r, 20)?,
        updated_ms: r.get(21)?,
    })
}

/// A JSON array column (NULL is the empty list).
fn json_list<T: serde::de::DeserializeOwned>(
    r: &Row<'_>,
    index: usize,
) -> rusqlite::Result<Vec<T>> {
    let Some(text) = r.get::<_, Option<String>>(index)? else {
        return Ok(Vec::new());
    };
    serde_json::from_str(&text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, Box::new(e))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, start_ms: i64, end_ms: i64) -> Appointment {
        Appointment {
            id: id.to_string(),
            status: CanvasStatus::Unconfirmed,
            appointment_type: Coding {
                system: "INTERNAL".into(),
                code: "A".into(),
                display: "A".into(),
            },
            rfv_coding: None,
            rfv_text: None,
            meeting_link: None,
            location: "1".into(),
            encounter: "e".into(),
            start_ms,
            end_ms,
            practitioner: "p".into(),
            patient: None,
            rescheduled_from: None,
            rescheduled_to: None,
            note_id: None,
            identifiers: Vec::new(),
            coscheduled: Vec::new(),
            updated_ms: 0,
        }
    }

    #[test]
    fn synthetic_seed_inserts_readable_rows_once() {
        let dir =
            std::env::temp_dir().join(format!("cc-synth-{}.db", uuid::Uuid::new_v4().simple()));
        let settings = crate::settings::Settings::reference();
        let conn = seed_synthetic(&dir, 50, &settings).unwrap();
        drop(conn);
        seed_synthetic(&dir, 60, &settings).unwrap();
        let store = Store::open(Some(&dir)).unwrap();
        let row = store.get(&synthetic_id(42)).unwrap().unwrap();
        assert_eq!(row.start_ms, SYNTHETIC_START_MS + 42 * SYNTHETIC_STEP_MS);
        assert_eq!(row.end_ms - row.start_ms, 30 * 60 * 1000);
        assert!(settings.has_patient(row.patient.as_ref().unwrap()));
        let (total, _) = store.search(&Filters::default()).unwrap();
        assert_eq!(total, 60);
        assert!(store.get(&synthetic_id(60)).unwrap().is_none());
        let _ = std::fs::remove_file(&dir);
    }

    #[test]
    fn slot_overlap_rules() {
        let store = Store::open(None).unwrap();
        assert_eq!(
            store.insert(&row("a", 100, 200), true).unwrap(),
            Write::Done
        );
        // touching intervals don't overlap; inside, around and reversed ones do
        assert_eq!(
            store.insert(&row("b", 200, 300), true).unwrap(),
            Write::Done
        );
        assert_eq!(
            store.insert(&row("c", 150, 160), true).unwrap(),
            Write::SlotTaken
        );
        assert_eq!(
            store.insert(&row("d", 50, 350), true).unwrap(),
            Write::SlotTaken
        );
        assert_eq!(
            store.insert(&row("e", 120, 90), true).unwrap(),
            Write::SlotTaken
        );
        // zero-length: inside collides, at an end does not
        assert_eq!(
            store.insert(&row("f", 150, 150), true).unwrap(),
            Write::SlotTaken
        );
        assert_eq!(
            store.insert(&row("g", 300, 300), true).unwrap(),
            Write::Done
        );
        assert_eq!(
            store.insert(&row("h", 300, 300), true).unwrap(),
            Write::SlotTaken
        );
        assert_eq!(
            store.insert(&row("i", 250, 310), true).unwrap(),
            Write::SlotTaken
        );
        // unguarded writes always succeed
        assert_eq!(
            store.insert(&row("j", 150, 160), false).unwrap(),
            Write::Done
        );
    }

    #[test]
    fn update_excludes_itself_and_reports_missing() {
        let store = Store::open(None).unwrap();
        store.insert(&row("a", 100, 200), true).unwrap();
        let moved = store
            .update("a", true, |mut r| {
                r.end_ms = 250;
                Ok::<_, StoreError>(r)
            })
            .unwrap();
        assert_eq!(moved, Write::Done);
        assert_eq!(store.get("a").unwrap().unwrap().end_ms, 250);
        let missing = store.update("zz", true, Ok::<_, StoreError>).unwrap();
        assert_eq!(missing, Write::Missing);
    }

    #[test]
    fn pooled_reads_see_a_write_just_committed() {
        let file =
            std::env::temp_dir().join(format!("cc-pool-{}.db", uuid::Uuid::new_v4().simple()));
        for store in [
            Store::open(None).unwrap(),
            Store::open(Some(&file)).unwrap(),
        ] {
            // open readers before the write, so the ones reused are not fresh
            assert!(store.get("a").unwrap().is_none());
            assert_eq!(store.search(&Filters::default()).unwrap().0, 0);
            store.insert(&row("a", 100, 200), true).unwrap();
            assert_eq!(store.get("a").unwrap().unwrap().end_ms, 200);
            store
                .update("a", true, |mut r| {
                    r.end_ms = 300;
                    Ok::<_, StoreError>(r)
                })
                .unwrap();
            assert_eq!(store.get("a").unwrap().unwrap().end_ms, 300);
            let (total, rows) = store.search(&Filters::default()).unwrap();
            assert_eq!((total, rows[0].end_ms), (1, 300));
        }
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
        }
    }

    #[test]
    fn in_memory_stores_are_apart() {
        let one = Store::open(None).unwrap();
        let two = Store::open(None).unwrap();
        one.insert(&row("a", 100, 200), true).unwrap();
        assert!(one.get("a").unwrap().is_some());
        assert!(two.get("a").unwrap().is_none());
    }

    #[test]
    fn concurrent_creates_of_one_slot_book_it_once() {
        let store = std::sync::Arc::new(Store::open(None).unwrap());
        let threads: Vec<_> = (0..8)
            .map(|i| {
                let store = std::sync::Arc::clone(&store);
                std::thread::spawn(move || {
                    // readers run beside the writes
                    let _ = store.search(&Filters::default()).unwrap();
                    store
                        .insert(&row(&format!("r{i}"), 100, 200), true)
                        .unwrap()
                })
            })
            .collect();
        let done = threads
            .into_iter()
            .map(|t| t.join().unwrap())
            .filter(|w| *w == Write::Done)
            .count();
        assert_eq!(done, 1);
        assert_eq!(store.search(&Filters::default()).unwrap().0, 1);
    }

    #[test]
    fn overlapping_finds_every_span_that_reaches_the_range() {
        let store = Store::open(None).unwrap();
        for (id, start, end) in [
            ("before", 0, 90),
            ("touching", 50, 100),
            ("across", 50, 150),
            ("inside", 120, 130),
            ("reversed", 300, 150),
            ("point", 100, 100),
            ("after", 200, 300),
        ] {
            store.insert(&row(id, start, end), false).unwrap();
        }
        let filters = Filters {
            overlapping: Some((100, 200)),
            ..Filters::default()
        };
        let (_, rows) = store.search(&filters).unwrap();
        let mut ids: Vec<_> = rows.iter().map(|r| r.id.as_str()).collect();
        ids.sort_unstable();
        assert_eq!(ids, ["across", "inside", "point", "reversed", "touching"]);
    }

    #[test]
    fn search_counts_all_and_pages_in_order() {
        let store = Store::open(None).unwrap();
        for (i, id) in ["c", "a", "b", "d"].iter().enumerate() {
            let start = if *id == "d" { 0 } else { 100 };
            store
                .insert(&row(id, start, start + 1 + i as i64), false)
                .unwrap();
        }
        let filters = Filters {
            page: Some((2, 1)),
            ..Filters::default()
        };
        let (total, rows) = store.search(&filters).unwrap();
        assert_eq!(total, 4);
        let ids: Vec<_> = rows.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["a", "b"]);
    }
}

#[cfg(test)]
mod plan_tests {
    use super::*;

    /// Each indexed search must be answered through an index, without a full table scan or a
    /// temporary sort, so 100k appointments stay fast.
    #[test]
    fn searches_use_the_indexes() {
        let store = Store::open(None).unwrap();
        let conn = store.lock().unwrap();
        let plan = |filters: &Filters| -> String {
            let (clause, mut values) = where_clause(filters);
            values.push(SqlValue::Integer(10));
            values.push(SqlValue::Integer(0));
            let sql = format!(
                "EXPLAIN QUERY PLAN SELECT {COLUMNS} FROM appointment{clause} ORDER BY start_ms ASC, id ASC LIMIT ? OFFSET ?"
            );
            let mut statement = conn.prepare(&sql).unwrap();
            let rows = statement
                .query_map(rusqlite::params_from_iter(values.iter()), |r| {
                    r.get::<_, String>(3)
                })
                .unwrap()
                .collect::<Result<Vec<_>, _>>()
                .unwrap();
            rows.join("; ")
        };
        let cases = [
            Filters::default(),
            Filters {
                practitioner: Some("p".into()),
                ..Filters::default()
            },
            Filters {
                patient: Some("p".into()),
                ..Filters::default()
            },
            Filters {
                start: vec![Bound::AtOrAfter(0), Bound::Before(10)],
                ..Filters::default()
            },
            Filters {
                statuses: Some(vec![CanvasStatus::Confirmed]),
                ..Filters::default()
            },
            Filters {
                ids: Some(vec!["a".into(), "b".into()]),
                ..Filters::default()
            },
        ];
        for filters in &cases {
            let plan = plan(filters);
            assert!(plan.contains("INDEX"), "{filters:?}: {plan}");
        }
        let unfiltered = plan(&Filters::default());
        assert!(!unfiltered.contains("TEMP B-TREE"), "{unfiltered}");
        // the bench's search (patient and a week) and its siblings page without sorting
        for filters in [
            Filters {
                patient: Some("p".into()),
                start: vec![Bound::AtOrAfter(0), Bound::Before(10)],
                ..Filters::default()
            },
            Filters {
                practitioner: Some("p".into()),
                start: vec![Bound::AtOrAfter(0)],
                ..Filters::default()
            },
            Filters {
                statuses: Some(vec![CanvasStatus::Confirmed]),
                ..Filters::default()
            },
        ] {
            let plan = plan(&filters);
            assert!(!plan.contains("TEMP B-TREE"), "{filters:?}: {plan}");
        }
    }
}
