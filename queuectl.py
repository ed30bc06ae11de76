#!/usr/bin/env python3
"""queuectl: a background job queue for shell commands, in one file.

usage: queuectl add "CMD" [--max-retries N] [--after ID] [--key K [--replace]] [--wait] ...
       queuectl worker start [--count N] [--burst] [--detach]
       queuectl status | list | show ID | logs ID [-f] | wait ID...
       queuectl dlq list | dlq retry ID... | --all | requeue ID... | limit QUEUE N
       queuectl config list | get KEY | set KEY VALUE | unset KEY

Jobs are shell commands kept in SQLite (WAL). A pool of forked workers
claims them one at a time and runs each as `/bin/sh -c CMD` in its own
session, output captured to a log per attempt. States:

  pending -> processing -> completed | failed (retried after
  backoff_base * 2^(n-1) seconds) | dead (in the DLQ) | cancelled

Invariants: a job is held by at most one worker at a time (claim under
BEGIN IMMEDIATE, every finish fenced by owner and attempt); a job whose
worker died is handed back through the retry policy ("worker lost");
a job acknowledged by `add` survives kill -9 and power loss.

Files: $QUEUECTL_HOME/queue.db, queue.logs/<instance>/ and config.json (or
the XDG folders); folders 0700, files 0600.
Exit status: 0 success, 1 failed or "no", 2 usage, 124 wait timed out.
"""

import os
import sqlite3
import sys
import time

__version__ = '1.1.0'

########################################################################
# Constants and defaults
########################################################################

STATES = ('pending', 'processing', 'completed', 'failed', 'dead', 'cancelled')
FINISHED_STATES = ('completed', 'dead', 'cancelled')
UNFINISHED_STATES = ('pending', 'processing', 'failed')

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_TIMEOUT = 124
EXIT_INTERRUPTED = 130

SCHEMA_VERSION = 2
DB_NAME = 'queue.db'
CONFIG_NAME = 'config.json'
DEFAULT_QUEUE = 'default'
LIST_LIMIT = 100                    # jobs shown by `list` unless --limit
MIN_FIT_WIDTH = 20                  # characters a command or error keeps in a narrow table
ERROR_WIDTH = 60                    # characters of an error in tables

BUSY_RETRY_FIRST = 0.0002            # seconds before the first retry of a busy transaction
BUSY_RETRY_BUDGET = 60.0            # seconds a busy transaction is retried
CLIENT_POLL = 0.05                  # seconds between checks in wait, logs -f
WAL_SIZE_LIMIT = 64 * 1024 * 1024   # bytes the WAL is truncated to after a checkpoint
READ_CHUNK = 65536                  # bytes per read of a job's output pipe
MAX_DURATION = 100 * 365 * 86400    # seconds; longer durations are refused
GATHER_AFTER = 0.002               # seconds: results of jobs sent this recently ...
GATHER_WAIT = 0.001                # ... are waited for this long, to commit them together
OUTBOX_RETRY = 0.01                # seconds between writes to a worker whose pipe was full
RUN_COMMIT_LAG = 2.0                # seconds a run may commit after a newer one (PostgreSQL)
PGID_RECORD_AFTER = 0.5             # seconds a job runs before its pgid is written
BURST_POLL_FIRST = 0.001            # seconds; a --burst worker waiting on others' jobs
BURST_POLL_MAX = 0.05               # polls this often, then backs off to this
LOST_ERROR = 'worker lost'          # a failed attempt whose worker died under it
TALLY_FLUSH = 1.0                   # seconds a pool keeps metrics counts before writing them
RESPAWN_FIRST = 0.05                # seconds before restarting a worker that died
RESPAWN_MAX = 2.0                   # twice in a row, doubling up to this
SHIP_INTERVAL = 0.5                 # seconds between shipments of running jobs' output
CONTROL_POLL = 1.0                  # seconds between checks for cancels and stop requests
                                    # by a pool that does not hear NOTIFY (PostgreSQL)
LISTEN_RETRY_MAX = 5.0              # seconds; a lost LISTEN connection is retried up to this
TOP_COUNT_CAP = 10000               # `top` counts at most this many jobs per cell
TOP_RECENT = 50                     # attempts `top` reads for its recent finishes
# Upper bounds (seconds) of the run and wait time histograms of `metrics`.
METRIC_BUCKETS = ('0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '30',
                  '60', '300', '900', '3600', '10800', '43200')
METRIC_BOUNDS = tuple(float(b) for b in METRIC_BUCKETS)
NETWORK_FILESYSTEMS = ('nfs', 'nfs4', 'cifs', 'smb', 'smbfs', 'smb3',
                       'fuse.sshfs', 'afs', '9p', 'ceph', 'glusterfs')

ENV_HOME = 'QUEUECTL_HOME'
ENV_CLAIM = 'QUEUECTL_CLAIM'        # in every job's environment: which claim started it
ENV_CONFIG = 'QUEUECTL_CONFIG'
ENV_HOSTNAME = 'QUEUECTL_HOSTNAME'    # this host's name for pools and job labels
ENV_PREFIX = 'QUEUECTL_'
POSTGRES_SCHEMES = ('postgresql://', 'postgres://')


########################################################################
# Errors
########################################################################


class QueueError(Exception):
    """A failure the user can act on: one line on stderr, exit 1."""
    exit_code = EXIT_FAILURE


class UsageError(QueueError):
    """Bad input: a flag, a value, a command line (exit 2)."""
    exit_code = EXIT_USAGE

    def __init__(self, message, usage=None):
        QueueError.__init__(self, message)
        self.usage = usage


class ConfigError(QueueError):
    """A config file that cannot be read or a key that does not exist."""


class JobNotFound(QueueError):
    """No job has that id or key."""


class InvalidTransition(QueueError):
    """The job is not in a state that allows the operation."""


class StoreError(QueueError):
    """The database cannot be opened, read or written."""


class WaitTimeout(QueueError):
    """`wait --timeout` expired."""
    exit_code = EXIT_TIMEOUT


########################################################################
# Config
########################################################################

def parse_duration(text, name='duration'):
    """Return seconds for '30', '30s', '1.5m', '2h' or '1d'.

    >>> parse_duration('90'), parse_duration('1.5m'), parse_duration('2h')
    (90.0, 90.0, 7200.0)
    """
    value = str(text).strip().lower()
    units = {'s': 1, 'm': 60, 'h': 3600, 'd': 86400}
    factor = units.get(value[-1:], None)
    number = value[:-1] if factor else value
    try:
        seconds = float(number) * (factor or 1)
    except ValueError:
        seconds = -1.0
    if not number or not 0 <= seconds <= MAX_DURATION:      # also refuses nan and inf
        raise UsageError('%s: expected a duration such as 30, 30s, 5m, 2h or 1d (at most '
                         '100 years), got %r' % (name, text))
    return seconds


def format_seconds(seconds):
    """Return a compact duration: 0.25s, 90s, 5m, 1h30m.

    >>> format_seconds(0.25), format_seconds(2.5), format_seconds(90), format_seconds(5400)
    ('250ms', '2.5s', '90s', '1h30m')
    """
    if seconds < 1:
        return '%dms' % int(round(seconds * 1000))
    if seconds < 10 and seconds != int(seconds):
        return '%.1fs' % seconds
    seconds = int(round(seconds))
    if seconds < 120:
        return '%ds' % seconds
    for unit, size in (('d', 86400), ('h', 3600), ('m', 60)):
        if seconds >= size:
            major, rest = divmod(seconds, size)
            minor = {'d': (3600, 'h'), 'h': (60, 'm'), 'm': (1, 's')}[unit]
            tail = rest // minor[0]
            return '%d%s%s' % (major, unit, ('%d%s' % (tail, minor[1])) if tail else '')


def _number_parser(kind, low, high=None, duration=False):
    """Build a parser for a numeric config value within [low, high]."""
    def parse(name, raw):
        try:
            value = parse_duration(raw, name) if duration else kind(str(raw).strip())
        except ValueError:
            raise UsageError('%s: expected %s, got %r'
                             % (name, 'an integer' if kind is int else 'a number', raw))
        if value < low or (high is not None and value > high):
            bound = ('>= %s' % low) if high is None else ('between %s and %s' % (low, high))
            raise UsageError('%s: must be %s, got %s' % (name, bound, raw))
        return int(value) if kind is int or value == int(value) else value
    return parse


def _parse_workers(name, raw):
    if str(raw).strip().lower() == 'auto':
        return 'auto'
    if not str(raw).strip().isdigit():
        raise UsageError('%s: expected a number of workers or auto (one per CPU), got %r'
                         % (name, raw))
    return _number_parser(int, 1, 1024)(name, raw)


def _parse_level(name, raw):
    level = str(raw).strip().upper()
    if level not in ('DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'):
        raise UsageError('%s: expected DEBUG, INFO, WARNING, ERROR or CRITICAL, got %r'
                         % (name, raw))
    return level


def _parse_path(name, raw):
    path = str(raw).strip()
    if not path or '\0' in path:
        raise UsageError('%s: expected a file path, got %r' % (name, raw))
    if is_postgres_url(path):
        return path
    return os.path.abspath(os.path.expanduser(path))


def is_postgres_url(path):
    """Whether a database path is a PostgreSQL URL rather than an SQLite file."""
    return path.startswith(POSTGRES_SCHEMES)


def mask_url(path):
    """A database path fit to print: a PostgreSQL URL's password becomes ***.

    >>> mask_url('postgresql://app:s3cret@db.example:5432/jobs?sslmode=require')
    'postgresql://app:***@db.example:5432/jobs?sslmode=require'
    >>> mask_url('postgres://app@/jobs?host=/run/pg&password=s3cret')
    'postgres://app@/jobs?host=/run/pg&password=***'
    """
    if not is_postgres_url(path):
        return path
    import re
    path = re.sub(r'^([a-z]+://[^/?#@:]*):[^/?#@]*@', r'\1:***@', path)
    return re.sub(r'([?&]password=)[^&]*', r'\1***', path)


def _parse_command_text(name, raw):
    """A shell command for a config key; empty means none."""
    text = '' if raw is None else str(raw).strip()
    if '\0' in text:
        raise UsageError('%s: a command cannot contain a NUL byte' % name)
    return text or None


NOTIFY_STATES = ('completed', 'failed', 'dead')


def _parse_notify_states(name, raw):
    """'dead', 'completed,dead' or 'all' -> the states, comma-separated, in order."""
    words = set(w.strip() for w in str(raw).lower().split(',') if w.strip())
    if words == set(['all']):
        words = set(NOTIFY_STATES)
    if not words or not words <= set(NOTIFY_STATES):
        raise UsageError('%s: expected a comma-separated list of %s, or all; got %r'
                         % (name, ', '.join(NOTIFY_STATES), raw))
    return ','.join(s for s in NOTIFY_STATES if s in words)


# key -> (default, parser, help). Durations are seconds.
CONFIG_KEYS = (
    ('max_retries', 3, _number_parser(int, 0, 1000),
     'retries after the first attempt; then the job goes to the DLQ'),
    ('backoff_base', 1, _number_parser(float, 0, duration=True),
     'seconds; the delay before retry n is backoff_base * 2^(n-1)'),
    ('backoff_max', 3600, _number_parser(float, 0, duration=True),
     'seconds; cap on one retry delay'),
    ('max_workers', 'auto', _parse_workers,
     'default worker count; auto = CPU count'),
    ('db_path', None, _parse_path, 'SQLite database file, or a postgresql:// URL'),
    ('log_level', 'INFO', _parse_level, 'worker log level (DEBUG shows tracebacks)'),
    ('job_timeout', 0, _number_parser(float, 0, duration=True),
     'seconds a job may run; 0 = no limit; add --timeout overrides'),
    ('max_log_bytes', 10485760, _number_parser(int, 1024),
     'bytes of output kept per attempt (head and tail)'),
    ('lease_seconds', 30, _number_parser(float, 0.1, duration=True),
     'seconds a claim lasts without a heartbeat before the job is recovered'),
    ('heartbeat_seconds', 10, _number_parser(float, 0.05, duration=True),
     'seconds between heartbeats (at most lease_seconds / 3)'),
    ('kill_grace', 5, _number_parser(float, 0, duration=True),
     'seconds between TERM and KILL of a job\'s process group'),
    ('poll_interval', 1, _number_parser(float, 0.01, duration=True),
     'seconds an idle worker sleeps when nobody wakes it'),
    ('shutdown_grace', 0, _number_parser(float, 0, duration=True),
     'seconds a warm shutdown waits for running jobs; 0 = no limit'),
    ('on_finish', None, _parse_command_text,
     'shell command run when a job ends in one of on_finish_states (job in its environment)'),
    ('on_finish_states', 'dead', _parse_notify_states,
     'when on_finish runs: completed, failed (a retry follows), dead, or all'),
)
CONFIG_SPECS = dict((key, (default, parse, doc)) for key, default, parse, doc in CONFIG_KEYS)


def normalize_key(name):
    """Return the canonical config key for 'max-retries' or 'MAX_RETRIES'."""
    key = name.strip().lower().replace('-', '_')
    if key not in CONFIG_SPECS:
        raise UsageError('unknown config key %r; valid keys: %s'
                          % (name, ', '.join(k for k, _, _, _ in CONFIG_KEYS)))
    return key


def parse_config_value(key, raw):
    """Validate raw (a string or JSON value) for key and return it typed."""
    if raw is None and key == 'db_path':
        return None
    return CONFIG_SPECS[key][1](key, raw)


def _xdg_dir(env, var, fallback):
    base = env.get(var) or os.path.join(os.path.expanduser('~'), fallback)
    return os.path.join(base, 'queuectl')


def config_file_path(env):
    """Where config.json lives: QUEUECTL_CONFIG, QUEUECTL_HOME, then XDG."""
    if env.get(ENV_CONFIG):
        return os.path.abspath(env[ENV_CONFIG])
    if env.get(ENV_HOME):
        return os.path.join(os.path.abspath(env[ENV_HOME]), CONFIG_NAME)
    return os.path.join(_xdg_dir(env, 'XDG_CONFIG_HOME', '.config'), CONFIG_NAME)


def read_config_file(path):
    """Return the dict in a config file ({} if it does not exist)."""
    try:
        with open(path, 'rb') as handle:
            text = handle.read().decode('utf-8')
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError('cannot read config file %s: %s' % (path, _os_reason(exc)))
    import json
    try:
        data = json.loads(text) if text.strip() else {}
    except ValueError as exc:
        raise ConfigError('config file %s is not valid JSON (%s); fix or remove it'
                          % (path, exc))
    if not isinstance(data, dict):
        raise ConfigError('config file %s must hold a JSON object' % path)
    return data


def write_config_file(path, data):
    """Write data atomically: a 0600 temp file in the same folder, then rename."""
    import json
    ensure_private_dir(os.path.dirname(path))
    temp = '%s.tmp.%d' % (path, os.getpid())
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, 'w') as handle:
            json.dump(data, handle, indent=2, sort_keys=True)
            handle.write('\n')
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except OSError as exc:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise ConfigError('cannot write config file %s: %s' % (path, _os_reason(exc)))


class Config(object):
    """Effective settings: built-in default < config file < QUEUECTL_<KEY>."""

    def __init__(self, env=None):
        self.env = os.environ if env is None else env
        self.path = config_file_path(self.env)
        self.file_data = {}
        for name, value in read_config_file(self.path).items():
            try:
                self.file_data[normalize_key(name)] = value
            except UsageError as exc:
                raise ConfigError('config file %s: %s' % (self.path, exc))
        self.values = {}
        self.sources = {}
        for key, default, _, _ in CONFIG_KEYS:
            self.values[key], self.sources[key] = default, 'default'
            if key in self.file_data:
                self.values[key] = self._parse(key, self.file_data[key], self.path)
                self.sources[key] = 'file'
            env_name = ENV_PREFIX + key.upper()
            if self.env.get(env_name, '') != '':
                self.values[key] = self._parse(key, self.env[env_name], env_name)
                self.sources[key] = 'env ' + env_name

    @staticmethod
    def _parse(key, raw, origin):
        """A value from the file (a bad one: exit 1) or a variable (exit 2)."""
        try:
            return parse_config_value(key, raw)
        except UsageError as exc:
            error = UsageError if origin.startswith(ENV_PREFIX) else ConfigError
            raise error('%s (from %s)' % (exc, origin))

    def __getitem__(self, key):
        return self.values[key]

    def worker_count(self, wanted=None):
        """Resolve a worker count (default: max_workers); 'auto' = the CPUs this
        process may use."""
        wanted = self['max_workers'] if wanted is None else wanted
        if wanted != 'auto':
            return wanted
        try:
            return max(1, len(os.sched_getaffinity(0)))
        except AttributeError:
            return os.cpu_count() or 1

    def heartbeat(self):
        """Seconds between heartbeats: never more than a third of the lease."""
        return min(self['heartbeat_seconds'], self['lease_seconds'] / 3.0)


def resolve_db_path(cli_path, config):
    """The database path: --db, QUEUECTL_DB_PATH, QUEUECTL_HOME, db_path, then XDG."""
    return db_path_and_source(cli_path, config)[0]


def db_path_and_source(cli_path, config):
    """(database path, where it came from), in the order of SPEC section 2."""
    env = config.env
    if cli_path is not None:
        return _parse_path('--db', cli_path), '--db'
    if env.get('QUEUECTL_DB_PATH'):
        return _parse_path('QUEUECTL_DB_PATH', env['QUEUECTL_DB_PATH']), 'env QUEUECTL_DB_PATH'
    if env.get(ENV_HOME):
        return os.path.join(os.path.abspath(env[ENV_HOME]), DB_NAME), 'env ' + ENV_HOME
    if config['db_path']:
        return config['db_path'], 'file'
    return (os.path.join(_xdg_dir(env, 'XDG_DATA_HOME', os.path.join('.local', 'share')),
                         DB_NAME), 'default')


def logs_dir_for(db_path, env=None):
    """Job output lives beside the database: queue.db -> queue.logs/. For a
    PostgreSQL database it is kept on this host, in QUEUECTL_HOME or the XDG
    data folder, one folder per database."""
    if not is_postgres_url(db_path):
        return os.path.splitext(db_path)[0] + '.logs'
    import re
    env = os.environ if env is None else env
    base = (os.path.abspath(env[ENV_HOME]) if env.get(ENV_HOME) else
            _xdg_dir(env, 'XDG_DATA_HOME', os.path.join('.local', 'share')))
    where = re.sub(r'^[a-z]+://([^/?#@]*@)?', '', db_path).split('?')[0]
    return os.path.join(base, 'pg-%s.logs' % re.sub(r'[^A-Za-z0-9._-]+', '_', where).strip('_'))


def job_logs_dir(db_path, instance, env=None):
    """Where one database keeps its job logs: queue.logs/<instance>/. A database
    names itself when it is created, so a new one at the path of a deleted one
    never shows the old one's logs. ('' for a database from version 1.)"""
    base = logs_dir_for(db_path, env)
    return os.path.join(base, instance) if instance else base


def log_file_path(logs_dir, job_id, run_id):
    """One file per attempt, created only when the attempt prints something."""
    return os.path.join(logs_dir, '%d.%d.log' % (job_id, run_id))


def ensure_private_dir(path):
    """Create path (and parents) as 0700 folders; the umask is left alone."""
    if not path or os.path.isdir(path):
        return
    parent = os.path.dirname(path)
    if parent and parent != path:
        ensure_private_dir(parent)
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        if not os.path.isdir(path):
            raise StoreError('%s exists and is not a folder' % path)
    except OSError as exc:
        raise StoreError('cannot create folder %s: %s' % (path, _os_reason(exc)))


def _os_reason(exc):
    """The human part of an OSError ('Permission denied')."""
    return getattr(exc, 'strerror', None) or str(exc)


########################################################################
# Storage
########################################################################

# Runnable jobs, as the partial indexes and the claim query spell it: the
# query planner uses a partial index only if the query repeats its WHERE.
RUNNABLE_SQL = "state IN ('pending', 'failed') AND blocked = 0"

# Facts about the database itself: 'instance' names its folder of job logs.
META_TABLE = """CREATE TABLE meta (
        name  TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) WITHOUT ROWID"""

SCHEMA = (
    """CREATE TABLE jobs (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        key         TEXT UNIQUE,
        command     TEXT NOT NULL,
        state       TEXT NOT NULL DEFAULT 'pending',
        queue       TEXT NOT NULL DEFAULT 'default',
        priority    INTEGER NOT NULL DEFAULT 0,
        attempts    INTEGER NOT NULL DEFAULT 0,
        max_retries INTEGER NOT NULL,
        run_at      REAL NOT NULL,
        blocked     INTEGER NOT NULL DEFAULT 0,
        timeout     REAL,
        cwd         TEXT NOT NULL,
        env         TEXT,
        created_at  REAL NOT NULL,
        updated_at  REAL NOT NULL,
        started_at  REAL,
        finished_at REAL,
        exit_code   INTEGER,
        last_error  TEXT,
        worker      TEXT,
        owner       TEXT,
        lease_until REAL,
        pgid        INTEGER,
        run_id      INTEGER,
        base_env    TEXT
    )""",
    # Claim: per queue, highest priority first, then earliest run time, then id.
    "CREATE INDEX jobs_ready ON jobs(queue, priority DESC, run_at) WHERE " + RUNNABLE_SQL,
    # The next scheduled time, for an idle worker's sleep.
    "CREATE INDEX jobs_due ON jobs(run_at) WHERE " + RUNNABLE_SQL,
    # Counting by state and queue, listing by state, recovery of 'processing'.
    "CREATE INDEX jobs_state ON jobs(state, queue)",
    """CREATE TABLE deps (
        job_id    INTEGER NOT NULL,
        parent_id INTEGER NOT NULL,
        PRIMARY KEY (job_id, parent_id)
    ) WITHOUT ROWID""",
    "CREATE INDEX deps_parent ON deps(parent_id, job_id)",
    """CREATE TABLE runs (
        id          INTEGER PRIMARY KEY,
        job_id      INTEGER NOT NULL,
        attempt     INTEGER NOT NULL,
        worker      TEXT,
        started_at  REAL NOT NULL,
        finished_at REAL,
        exit_code   INTEGER,
        error       TEXT
    )""",
    "CREATE INDEX runs_job ON runs(job_id, id)",
    """CREATE TABLE workers (
        id         TEXT PRIMARY KEY,
        role       TEXT NOT NULL,
        host       TEXT NOT NULL,
        pid        INTEGER NOT NULL,
        proc_start TEXT,
        pool_pid   INTEGER,
        queues     TEXT,
        detached   INTEGER NOT NULL DEFAULT 0,
        started_at REAL NOT NULL,
        heartbeat  REAL NOT NULL,
        wake_signal INTEGER
    )""",
    # Every queue a job was ever added to. paused: 1 paused, 0 running, NULL
    # as the row '*' says (`pause` without a queue pauses all, new ones too).
    # max_running: how many of its jobs may run at once (NULL: no limit).
    """CREATE TABLE queues (
        name        TEXT PRIMARY KEY,
        paused      INTEGER,
        max_running INTEGER
    ) WITHOUT ROWID""",
    META_TABLE,
    # A fresh database's job logs go in a folder named after it: a new
    # database at the path of a deleted one never shows the old one's logs.
    "INSERT INTO meta (name, value) VALUES ('instance', lower(hex(randomblob(6))))",
)


# Counters and histograms for `metrics`: one row per (name, queue, label),
# holding a count and a total of seconds. Store counts state changes where
# they happen (see Store._tally); `prune` deletes jobs, not counts.
METRICS_SCHEMA = ("""CREATE TABLE metrics (
        name  TEXT NOT NULL,
        queue TEXT NOT NULL,
        label TEXT NOT NULL,
        count INTEGER NOT NULL DEFAULT 0,
        total REAL NOT NULL DEFAULT 0,
        PRIMARY KEY (name, queue, label)
    ) WITHOUT ROWID""",
)
SCHEMA += METRICS_SCHEMA

# Forward migrations: MIGRATIONS[n] takes a database from version n to n + 1.
MEMORY_DB = ':memory:'
MIGRATIONS = {
    1: (
        # base_env: the environment `add -E` captured (JSON), NULL = the worker's.
        'ALTER TABLE jobs ADD COLUMN base_env TEXT',
        'ALTER TABLE queues ADD COLUMN max_running INTEGER',
        META_TABLE,
        # A version 1 database keeps its job logs where they are (instance '').
        "INSERT INTO meta (name, value) VALUES ('instance', '')",
    ) + METRICS_SCHEMA + (
        # metrics count from the jobs the database holds at the upgrade
        "INSERT INTO metrics (name, queue, label, count) SELECT 'added', queue, '', COUNT(*) "
        "FROM jobs GROUP BY queue",
        "INSERT INTO metrics (name, queue, label, count) SELECT 'finished', queue, state, "
        "COUNT(*) FROM jobs WHERE state IN ('completed', 'dead', 'cancelled') "
        "GROUP BY queue, state"),
}

JOB_COLUMNS = ('id', 'key', 'command', 'state', 'queue', 'priority', 'attempts',
               'max_retries', 'run_at', 'blocked', 'timeout', 'cwd', 'env',
               'created_at', 'updated_at', 'started_at', 'finished_at', 'exit_code',
               'last_error', 'worker', 'owner', 'lease_until', 'pgid', 'run_id', 'base_env')
JOB_SELECT = 'SELECT %s FROM jobs' % ', '.join(JOB_COLUMNS)


def _is_busy(exc):
    text = str(exc).lower()
    return 'locked' in text or 'busy' in text


def _row_to_job(row):
    job = dict(zip(JOB_COLUMNS, row))
    job['env'] = _json_load(job['env']) if job['env'] else {}
    return job


def _json_dump(value):
    """JSON text for the env column (json is imported only when a job has --env)."""
    if not value:
        return None
    import json
    return json.dumps(value, sort_keys=True)


def _json_load(text):
    import json
    return json.loads(text)


def _named(rows, names):
    """Rows as dicts keyed by names: storage returns named rows, never tuples."""
    return [dict(zip(names, row)) for row in rows]


def _placeholders(values):
    """'?, ?, ?' for an IN list; 'NULL' for none (SQLite takes IN (), PostgreSQL not)."""
    return ', '.join('?' * len(values)) or 'NULL'


def _disk_full(path):
    """Whether the filesystem holding path has (next to) no room left."""
    try:
        info = os.statvfs(os.path.dirname(path) or '.')
    except OSError:
        return False
    return info.f_bavail * info.f_frsize < 64 * 1024


def _why_read_only(db_path):
    """Why nothing can be written beside the database, or None."""
    folder = os.path.dirname(db_path) or '.'
    try:
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return 'the filesystem holding %s is mounted read-only' % folder
    except (OSError, AttributeError):
        pass
    if os.path.isdir(folder) and not os.access(folder, os.W_OK):
        return 'its folder %s is read-only for you' % folder
    if os.path.exists(db_path) and not os.access(db_path, os.W_OK):
        return 'the file is read-only for you'
    return None


def _create_db_file(path):
    """Create the database file 0600 before SQLite does (it would use 0644)."""
    ensure_private_dir(os.path.dirname(path))
    try:
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    except OSError as exc:
        raise StoreError('cannot create database %s: %s' % (path, _os_reason(exc)))


class PoolWrite(object):
    """A change a pool must record, kept until it is committed (Store.pool_round).

    kind: 'finish' (state, delay, exit_code, error), 'release' (error, started),
    'pgid' (pgid), 'register' (row), 'unregister' (row: the worker id),
    'output' (data from offset of the attempt's log; PostgreSQL; path: the
    local log to remove once recorded). `note` and `took` only serve the
    pool's log line.
    """
    __slots__ = ('kind', 'job', 'state', 'delay', 'exit_code', 'error', 'started', 'pgid',
                 'row', 'note', 'took', 'data', 'offset', 'path')

    def __init__(self, kind, job=None, state=None, delay=0.0, exit_code=None, error=None,
                 started=True, pgid=None, row=None, note=None, took=0.0, data=b'', offset=0,
                 path=None):
        self.kind, self.job, self.state, self.delay = kind, job, state, delay
        self.exit_code, self.error, self.started, self.pgid = exit_code, error, started, pgid
        self.row, self.note, self.took = row, note, took
        self.data, self.offset, self.path = data, offset, path


# -- what SQLite and PostgreSQL spell differently ---------------------------
#
# Store writes its SQL once, in SQLite's dialect ('?' placeholders, SQLite's
# column types in SCHEMA). What differs lives in these two classes, one
# screen apart: the connection, transactions, the schema version, errors,
# and the few statements with no common spelling. A PostgreSQL connection
# is wrapped (PgConnection) to take the same '?' SQL.

class SqliteDialect(object):
    """SQLite's side; PostgresDialect, below, is its twin."""

    name = 'SQLite'
    errors = sqlite3.Error
    begin_write = 'BEGIN IMMEDIATE'         # one writer at a time, taken up front
    begin_read = 'BEGIN DEFERRED'
    begin_migrate = 'BEGIN IMMEDIATE'
    # The highest id ever given (AUTOINCREMENT: ids are never reused).
    last_job_id = "SELECT seq FROM sqlite_sequence WHERE name = 'jobs'"
    shared = False          # one host: output in files, pools woken by signals
    schema_extra = ()

    def connect(self, path, create):
        """Open path; returns (path as printed, connection). With create=False a
        database that does not exist yet is read as an empty one, in memory."""
        if os.path.isdir(path):
            raise StoreError('database path %s is a folder, not a file' % path)
        if not os.path.exists(path):
            if create:
                _create_db_file(path)
            else:
                path = MEMORY_DB
        try:
            # timeout=0: no SQLite busy handler (it sleeps 1 ms and more, or whole
            # seconds where built without usleep); _retry backs off from 0.2 ms.
            kwargs = {'timeout': 0, 'isolation_level': None}
            if hasattr(sqlite3, 'LEGACY_TRANSACTION_CONTROL'):
                # Python 3.12+: pin today's behaviour; we issue BEGIN ourselves.
                kwargs['autocommit'] = sqlite3.LEGACY_TRANSACTION_CONTROL
            return path, sqlite3.connect(path, **kwargs)
        except sqlite3.Error as exc:
            raise StoreError('cannot open database %s: %s' % (path, exc))

    def prepare(self, store, durable):
        """Check the schema version, migrate, set the connection up."""
        conn = store.conn
        version = self.schema_version(conn)
        self.check_version(store, version)
        if version == 0 and store.path != MEMORY_DB and \
                store._run_tx(self.begin_read, self._foreign, (conn,)):
            raise StoreError('%s is not a queuectl database: it holds tables of another '
                             'program' % store.path)
        if version < SCHEMA_VERSION:
            mode = conn.execute('PRAGMA journal_mode=WAL').fetchone()[0].lower()
            if mode != 'wal' and store.path != MEMORY_DB:
                raise StoreError('cannot switch %s to WAL mode' % store.path)
            store._run_tx(self.begin_migrate, store._migrate, ())
        conn.execute('PRAGMA synchronous=%s' % ('FULL' if durable else 'NORMAL'))
        conn.execute('PRAGMA journal_size_limit=%d' % WAL_SIZE_LIMIT)

    def _foreign(self, conn):
        """A file that is another program's database: tables, no schema version
        (read in one snapshot: a queuectl creating its schema commits both)."""
        return (self.schema_version(conn) == 0 and
                conn.execute('SELECT COUNT(*) FROM sqlite_master').fetchone()[0] > 0)

    @staticmethod
    def check_version(store, version):
        if version > SCHEMA_VERSION:
            raise StoreError('database %s has schema version %d, newer than this queuectl '
                             '(%s, schema %d); upgrade queuectl'
                             % (store.path, version, __version__, SCHEMA_VERSION))

    @staticmethod
    def schema_version(conn):
        return conn.execute('PRAGMA user_version').fetchone()[0]

    @staticmethod
    def set_schema_version(conn, version):
        conn.execute('PRAGMA user_version=%d' % version)

    @staticmethod
    def lock_schema(conn):
        """BEGIN IMMEDIATE already excludes every other writer."""

    @staticmethod
    def ddl(statement):
        return statement

    @staticmethod
    def is_transient(exc):
        return isinstance(exc, sqlite3.OperationalError) and _is_busy(exc)

    @staticmethod
    def translate(exc, store):
        """exc as one line for the user; store.verb says what was being done."""
        text = str(exc)
        path = store.path
        if 'not a database' in text or 'malformed' in text:
            return StoreError('%s is not a queuectl database (%s)' % (path, text))
        if 'readonly' in text or 'read-only' in text:
            return StoreError('cannot write database %s: %s' % (
                path, _why_read_only(path) or 'the file or its folder is read-only'))
        if 'disk is full' in text or 'disk I/O' in text:
            if 'disk is full' in text or _disk_full(path):
                text = 'the disk is full'
                if store.verb == 'read':
                    text += ' (SQLite needs room for the -shm file of an open database)'
            return StoreError('cannot %s database %s: %s' % (store.verb, path, text))
        if 'unable to open' in text:
            reason = _why_read_only(path)
            return StoreError('cannot open database %s: %s' % (path, text if not reason
                              else reason + ' (SQLite creates its -wal and -shm files '
                              'beside the database, even to read it)'))
        return StoreError('database %s: %s' % (path, text))

    @staticmethod
    def checkpoint(conn):
        """Move the WAL into the database without waiting for readers."""
        conn.execute('PRAGMA wal_checkpoint(PASSIVE)').fetchall()

    # -- statements with no common spelling ---------------------------------

    @staticmethod
    def indexed_by(index):
        """A planner hint where SQLite's own choice is known to be worse."""
        return ' INDEXED BY ' + index

    @staticmethod
    def insert_ignore(rest):
        """INSERT that skips rows whose key exists: 'table (cols) VALUES (...)'."""
        return 'INSERT OR IGNORE INTO ' + rest

    @staticmethod
    def insert_replace(rest, key):
        """INSERT that replaces the row with the same key."""
        return 'INSERT OR REPLACE INTO ' + rest

    @staticmethod
    def insert_id(conn, sql, params):
        """Run an INSERT of one row; returns its new id."""
        return conn.execute(sql, params).lastrowid

    @staticmethod
    def lock_ids(conn):
        """Writers are serialized: a batch's ids are consecutive anyway."""

    @staticmethod
    def locking(mode):
        """A SELECT's row-lock clause: none, BEGIN IMMEDIATE holds the database."""
        return ''

    @staticmethod
    def lock_rows(store, ids):
        """Nothing to lock: one writer at a time."""

    @staticmethod
    def notify(conn, event):
        """Pools on this host are woken by signals (wake_idle_pools)."""

    @staticmethod
    def drop_output(store, run_ids):
        """Output lives in files, which the caller removes."""

    @staticmethod
    def move_ending_run(store, sql, params, end_run, now):
        """Run _move's UPDATE; if it moved the job, close its run."""
        if store.conn.execute(sql, params).rowcount != 1:
            return False
        store._end_run(end_run[0], now, end_run[1], end_run[2])
        return True

    @staticmethod
    def claim(store, claimants, now, lease, queues):
        """One job per (owner, label), in order, while any is runnable, from the
        served queues (None: all) that are not paused nor full (queue limits:
        BEGIN IMMEDIATE holds the database, so every pool counts alike)."""
        room = store._claim_room(queues)
        claimed = []
        for owner, label in claimants:
            job = store._claim(owner, label, now, lease, room)
            if job is None:
                break
            claimed.append(job)
        return claimed

    def insert_batch(self, conn, commands, shared):
        """Insert one job per command, the other columns from shared; returns the ids.

        One INSERT ... SELECT FROM a VALUES list per 500 commands binds the
        shared fields once: several times faster than executemany.
        """
        first = (conn.execute(self.last_job_id).fetchone() or (0,))[0] + 1
        for start in range(0, len(commands), 500):
            chunk = tuple(commands[start:start + 500])
            # Plain '?' in textual order: the commands, then the shared fields
            # (numbered '?NNN' with a sequence is deprecated from Python 3.12).
            conn.execute(
                'WITH batch(command) AS (VALUES %s) '
                'INSERT INTO jobs (command, queue, priority, max_retries, run_at, '
                'timeout, cwd, env, base_env, created_at, updated_at) SELECT command, '
                '?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM batch' % ', '.join(['(?)'] * len(chunk)),
                chunk + shared)
        return list(range(first, conn.execute(self.last_job_id).fetchone()[0] + 1))


# pg_advisory_xact_lock keys (any two 64-bit numbers other programs are unlikely to use)
PG_LOCK_SCHEMA = 0x717565756531      # the schema migration
PG_LOCK_IDS = 0x717565756532         # job ids: one add at a time, so a batch's are consecutive
PG_CONNECT_TIMEOUT = 10              # seconds, unless the URL or PGCONNECT_TIMEOUT says


class PostgresDialect(object):
    """PostgreSQL's side (psycopg 3, else psycopg2, imported only here).

    Write transactions are READ COMMITTED, so that pools on many hosts claim
    side by side (FOR UPDATE SKIP LOCKED) instead of queueing for one lock.
    What keeps Store's read-check-writes safe there: every write about a
    claim is fenced by its run id in its WHERE (PostgreSQL re-checks a WHERE
    against the row's newest version before it updates it); a row that a
    decision rests on is locked first (Store._find with a lock: cancel, the
    parents an add depends on; lock_rows: the children whose count of
    unfinished parents is recomputed); adds draw ids under an advisory
    lock. A deadlock (40P01) is retried like a busy SQLite. Reads see one
    snapshot.
    """

    name = 'PostgreSQL'
    begin_write = 'BEGIN ISOLATION LEVEL READ COMMITTED'
    begin_read = 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY'
    begin_migrate = 'BEGIN'                  # READ COMMITTED: sees a migration that just committed
    last_job_id = 'SELECT COALESCE(MAX(id), 0) FROM jobs'
    TRANSIENT = ('40001', '40P01')           # serialization failure, deadlock detected
    UNDEFINED_TABLE = '42P01'
    shared = True           # pools on many hosts: output in the database, LISTEN/NOTIFY
    CHANNEL = 'queuectl'    # NOTIFY payloads: add, cancel, stop, ping:<pool id>
    # Created with SCHEMA: the keys' index without the rows that have none
    # (SCHEMA's UNIQUE column, which ddl() drops, would index every row and be
    # updated with each change of state); what only pools on many hosts need:
    # each attempt's output, in the chunks a pool shipped (`start`: the
    # offset in the attempt's log); a stop request for a pool (`worker stop
    # --all-hosts`).
    schema_extra = (
        'CREATE UNIQUE INDEX jobs_key ON jobs (key) WHERE key IS NOT NULL',
        """CREATE TABLE job_output (
            run_id BIGINT NOT NULL,
            start  BIGINT NOT NULL,
            data   BYTEA NOT NULL,
            PRIMARY KEY (run_id, start)
        )""",
        'ALTER TABLE workers ADD COLUMN stop_request TEXT',
    )

    def connect(self, url, create):
        driver = self.driver = self._driver()
        self.errors = driver.Error
        path = mask_url(url)
        try:
            if driver.__name__ == 'psycopg':
                params = driver.conninfo.conninfo_to_dict(url)
            else:
                params = driver.extensions.parse_dsn(url)
        except driver.Error as exc:
            raise UsageError('not a valid PostgreSQL URL: %s: %s' % (path, _one_line(exc)))
        if 'connect_timeout' not in params and not os.environ.get('PGCONNECT_TIMEOUT'):
            params['connect_timeout'] = PG_CONNECT_TIMEOUT
        params.setdefault('application_name', 'queuectl')
        try:
            raw = driver.connect(**params)
            raw.autocommit = True            # Store issues BEGIN and COMMIT itself
        except driver.Error as exc:
            raise self._connect_error(exc, path)
        return path, PgConnection(raw, driver)

    @staticmethod
    def _driver():
        try:
            import psycopg
            return psycopg
        except ImportError:
            pass
        try:
            import psycopg2
            import psycopg2.extensions
            return psycopg2
        except ImportError:
            raise UsageError('a PostgreSQL database needs psycopg: pip install "psycopg[binary]"')

    @staticmethod
    def _connect_error(exc, path):
        """libpq's lines on a failed connect as one: the reason (hint)."""
        import re
        lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
        text = re.sub(r'^connection (failed|is bad): ', '', lines[0] if lines else repr(exc))
        text = re.sub(r'^connection to server (at|on socket) .*? failed: ', '', text)
        text = re.sub(r'^FATAL: +', '', text)
        hint = ' '.join(lines[1:])
        if hint:
            text += ' (%s%s)' % (hint[0].lower(), hint[1:])
        return StoreError('cannot connect to PostgreSQL at %s: %s' % (path, text))

    def prepare(self, store, durable):
        """Read the schema version and the server's clock in one round trip;
        create or migrate the schema when it is behind. As SQLite's
        synchronous=NORMAL, a session that is not durable (a pool, a read)
        commits without waiting for the WAL to reach the disk: a crash of the
        server may forget its last fraction of a second of results (their
        jobs run again), never an add."""
        version = None
        while True:
            before = time.time()
            try:
                version, clock = store.conn.execute(
                    "SELECT version, CAST(extract(epoch FROM clock_timestamp()) AS "
                    "DOUBLE PRECISION), set_config('synchronous_commit', ?, false) "
                    "FROM queuectl_schema", ('on' if durable else 'off',)).fetchone()[:2]
            except self.errors as exc:
                if _sqlstate(exc) != self.UNDEFINED_TABLE or version is not None:
                    raise
                version = 0
            else:
                # The server's clock, as an offset: Store.now() costs no round trip.
                store.skew = clock - (before + time.time()) / 2
            self.check_version(store, version)
            if version == SCHEMA_VERSION:
                return
            store._run_tx(self.begin_migrate, store._migrate, ())
            version = SCHEMA_VERSION

    check_version = staticmethod(SqliteDialect.check_version)

    @staticmethod
    def schema_version(conn):
        if conn.execute("SELECT to_regclass('queuectl_schema')").fetchone()[0] is None:
            return 0
        return conn.execute('SELECT version FROM queuectl_schema').fetchone()[0]

    @staticmethod
    def set_schema_version(conn, version):
        conn.execute('CREATE TABLE IF NOT EXISTS queuectl_schema (version INTEGER NOT NULL)')
        conn.execute('DELETE FROM queuectl_schema')
        conn.execute('INSERT INTO queuectl_schema (version) VALUES (?)', (version,))

    def lock_schema(self, conn):
        """One migration at a time, however many hosts start at once; and never
        into a database whose tables belong to some other program."""
        conn.execute('SELECT pg_advisory_xact_lock(%d)' % PG_LOCK_SCHEMA)
        if self.schema_version(conn) == 0 and \
                conn.execute("SELECT to_regclass('jobs')").fetchone()[0] is not None:
            raise StoreError('the database already has a table "jobs" that queuectl did not '
                             'create; give queuectl a database of its own')

    @staticmethod
    def ddl(statement):
        """SCHEMA's SQLite types in PostgreSQL's words. jobs_ready is in the
        claim's own order across queues (PostgresDialect.claim takes the first
        due job of all served queues in one index walk; per queue, as SQLite's
        walk, it filters on the queue)."""
        import re
        if statement.startswith('CREATE INDEX jobs_ready '):
            return ('CREATE INDEX jobs_ready ON jobs (priority DESC, run_at, id) WHERE ' +
                    RUNNABLE_SQL)
        statement = re.sub(r'\bINTEGER PRIMARY KEY( AUTOINCREMENT)?',
                           'BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY', statement)
        statement = re.sub(r'\bINTEGER\b', 'BIGINT', statement)
        statement = statement.replace(' TEXT UNIQUE,', ' TEXT,')      # jobs_key instead
        statement = re.sub(r'\bREAL\b', 'DOUBLE PRECISION', statement)
        # a new database's name for its folder of job logs (see META_TABLE)
        statement = statement.replace('lower(hex(randomblob(6)))',
                                      'substr(md5(random()::text || clock_timestamp()::text), '
                                      '1, 12)')
        return statement.replace(') WITHOUT ROWID', ')')

    def is_transient(self, exc):
        return _sqlstate(exc) in self.TRANSIENT

    def lost(self, exc, conn):
        """Whether exc means the connection is gone (server restart, network):
        the Store reconnects before its next transaction."""
        state = _sqlstate(exc) or ''
        return conn.raw.closed or state.startswith(('08', '57P')) or \
            (not state and isinstance(exc, self.driver.OperationalError))

    @staticmethod
    def translate(exc, store):
        path = store.path
        state = _sqlstate(exc) or ''
        if not state or state.startswith(('08', '57P')):     # connection lost, server shut down
            return StoreError('lost the connection to PostgreSQL at %s: %s'
                              % (path, _one_line(exc)))
        return StoreError('database %s: %s' % (path, _one_line(exc)))

    @staticmethod
    def checkpoint(conn):
        """The server checkpoints by itself."""

    # -- statements with no common spelling ---------------------------------

    @staticmethod
    def indexed_by(index):
        return ''

    @staticmethod
    def insert_ignore(rest):
        return 'INSERT INTO %s ON CONFLICT DO NOTHING' % rest

    @staticmethod
    def insert_replace(rest, key):
        columns = [c.strip() for c in rest[rest.index('(') + 1:rest.index(')')].split(',')]
        return 'INSERT INTO %s ON CONFLICT (%s) DO UPDATE SET %s' % (
            rest, key, ', '.join('%s = EXCLUDED.%s' % (c, c) for c in columns if c != key))

    @staticmethod
    def insert_id(conn, sql, params):
        return conn.execute(sql + ' RETURNING id', params).fetchone()[0]

    @staticmethod
    def lock_ids(conn):
        """Ids come from a sequence, which concurrent adds would interleave."""
        conn.execute('SELECT pg_advisory_xact_lock(%d)' % PG_LOCK_IDS)

    @staticmethod
    def locking(mode):
        """A SELECT's row-lock clause: 'UPDATE' or 'SHARE' (None: none). Held to
        the commit; under READ COMMITTED it also reads the row's newest version."""
        return ' FOR ' + mode if mode else ''

    @staticmethod
    def lock_rows(store, ids):
        """Lock job rows, in id order (two lockers never deadlock), so that the
        next statement sees every commit that touched them before."""
        store._rows_for_ids('SELECT id FROM jobs WHERE id IN (%s) ORDER BY id FOR UPDATE',
                            sorted(ids))

    def notify(self, conn, event):
        """Tell every listening pool (delivered when the transaction commits)."""
        conn.execute('SELECT pg_notify(?, ?)', (self.CHANNEL, event))

    @staticmethod
    def claim(store, claimants, now, lease, queues):
        """Claim one job per (owner, label), in order, while any is runnable:
        each one statement that picks the next due job of the served queues
        (None: all) that are not paused (queue_is_paused's rule) nor full,
        skipping jobs other pools are claiming (SKIP LOCKED), adds its run and
        marks it claimed, with the same columns as Store._claim (the state
        change _move documents)."""
        room = PostgresDialect._limited_room(store, queues)
        full = [q for q, n in room.items() if n <= 0]
        served = list(queues or ())
        claimed = []
        sql = None
        for owner, label in claimants:
            sql = sql or PostgresDialect._claim_sql(served, full)
            row = store.conn.execute(sql, [now] + served + full + [
                label, now, owner, label, now + lease, now, now]).fetchone()
            if row is None:
                break
            job = _row_to_job(row[:-1])
            job['attempt'] = row[-1]
            store._observe('wait', job['queue'], now - job['run_at'])
            claimed.append(job)
            if job['queue'] in room:
                room[job['queue']] -= 1
                if room[job['queue']] <= 0:
                    full.append(job['queue'])
                    sql = None
        return claimed

    @staticmethod
    def _limited_room(store, queues):
        """{queue: how many more of its jobs may start} for the served queues that
        have a limit (queues.max_running). Their rows are locked first (in name
        order, to the commit): a pool that claims from such a queue counts its
        running jobs only after every other pool claiming from it committed
        (READ COMMITTED: the count sees their claims), so the limit holds across
        hosts. Pools that serve no limited queue lock nothing."""
        served = ' AND name IN (%s)' % _placeholders(queues) if queues else ''
        room = dict(store.conn.execute(
            'SELECT name, max_running FROM queues WHERE max_running IS NOT NULL%s '
            'ORDER BY name FOR UPDATE' % served, list(queues or ())).fetchall())
        if room:
            names = sorted(room)
            for queue, running in store.conn.execute(
                    "SELECT queue, COUNT(*) FROM jobs WHERE state = 'processing' AND queue "
                    "IN (%s) GROUP BY queue" % _placeholders(names), names).fetchall():
                room[queue] -= running
        return room

    @staticmethod
    def _claim_sql(served, full):
        """The claim statement for served queues (none: all) but the full ones."""
        where = ''.join(' AND q.name %s (%s)' % (op, _placeholders(names))
                        for op, names in (('IN', served), ('NOT IN', full)) if names)
        # `run_at + 0`: no index on run_at alone tempts the planner (stale
        # statistics after a big add) to fetch and sort every due job; it walks
        # jobs_ready in claim order and stops at the first due job it can lock.
        return ('WITH due AS (SELECT id FROM jobs WHERE ' + RUNNABLE_SQL + ' AND run_at + 0 <= ? '
                'AND EXISTS (SELECT 1 FROM queues q WHERE q.name = jobs.queue%s AND '
                "COALESCE(q.paused, (SELECT s.paused FROM queues s WHERE s.name = '*'), 0) "
                '<> 1) ORDER BY priority DESC, run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED), '
                'made AS (INSERT INTO runs (job_id, attempt, worker, started_at) '
                'SELECT id, 1 + (SELECT COUNT(*) FROM runs r WHERE r.job_id = due.id), ?, ? '
                'FROM due RETURNING id, job_id, attempt) '
                "UPDATE jobs SET state = 'processing', attempts = jobs.attempts + 1, owner = ?, "
                'worker = ?, lease_until = ?, started_at = ?, finished_at = NULL, '
                'run_id = m.id, updated_at = ? FROM made m WHERE jobs.id = m.job_id '
                'RETURNING %s, m.attempt' % (where, ', '.join('jobs.' + c for c in JOB_COLUMNS)))

    def insert_batch(self, conn, commands, shared):
        """COPY the rows in (the fastest way into PostgreSQL); under the id lock
        no one else draws from the id sequence, so the batch's ids are the
        last len(commands) it gave this session."""
        def field(value):
            if value is None:
                return '\\N'
            return str(value).replace('\\', '\\\\').replace('\t', '\\t').replace(
                '\n', '\\n').replace('\r', '\\r')
        tail = '\t' + '\t'.join(field(v) for v in shared) + '\n'
        conn.copy('COPY jobs (command, queue, priority, max_retries, run_at, timeout, cwd, '
                  'env, base_env, created_at, updated_at) FROM STDIN',
                  ''.join(field(c) + tail for c in commands))
        last = conn.execute("SELECT currval(pg_get_serial_sequence('jobs', 'id'))").fetchone()[0]
        return list(range(last - len(commands) + 1, last + 1))

    # -- what only pools on many hosts do --------------------------------------

    @staticmethod
    def save_output(conn, run_id, offset, data):
        """Keep a chunk of an attempt's output (once: a chunk sent again after a
        lost reply is ignored; none for a run that was pruned meanwhile)."""
        conn.execute('INSERT INTO job_output (run_id, start, data) SELECT ?, ?, ? WHERE EXISTS '
                     '(SELECT 1 FROM runs WHERE id = ?) ON CONFLICT DO NOTHING',
                     (run_id, offset, data, run_id))

    @staticmethod
    def drop_output(store, run_ids):
        store._rows_for_ids('DELETE FROM job_output WHERE run_id IN (%s)', run_ids)

    @staticmethod
    def move_ending_run(store, sql, params, end_run, now):
        """_move's UPDATE and the closing of the run, in one statement (a round
        trip fewer for each job a pool finishes)."""
        run_id, exit_code, error = end_run
        return store.conn.execute(
            'WITH moved AS (%s RETURNING id), ended AS (UPDATE runs SET finished_at = ?, '
            'exit_code = ?, error = ? WHERE id = ? AND finished_at IS NULL AND EXISTS '
            '(SELECT 1 FROM moved)) SELECT COUNT(*) FROM moved' % sql,
            list(params) + [now, exit_code, error, run_id]).fetchone()[0] == 1

    @staticmethod
    def measure_clock(store):
        before = time.time()
        clock = store.conn.execute('SELECT CAST(extract(epoch FROM clock_timestamp()) AS '
                                   'DOUBLE PRECISION)').fetchone()[0]
        store.skew = clock - (before + time.time()) / 2

    @staticmethod
    def read_output(store, run_id, offset):
        rows = store.conn.execute(
            'SELECT start, data FROM job_output WHERE run_id = ? AND start + length(data) > ? '
            'ORDER BY start', (run_id, offset)).fetchall()
        if not rows:
            return b''
        data = b''.join(bytes(chunk) for _, chunk in rows)
        return data[max(0, offset - rows[0][0]):]


def _sqlstate(exc):
    """A PostgreSQL error's SQLSTATE (psycopg 3: sqlstate, psycopg2: pgcode)."""
    return getattr(exc, 'sqlstate', None) or getattr(exc, 'pgcode', None)


def _one_line(exc):
    return ' '.join(str(exc).split())


class PgConnection(object):
    """A psycopg connection that takes Store's '?' SQL, as sqlite3 does."""

    def __init__(self, raw, driver):
        self.raw = raw
        self.driver = driver
        self.modern = driver.__name__ == 'psycopg'      # psycopg 3, not psycopg2
        self.translated = {}
        self.cursor = None

    def _sql(self, sql):
        """'?' -> '%s' outside string literals; a literal '%' -> '%%'."""
        text = self.translated.get(sql)
        if text is None:
            parts = sql.replace('%', '%%').split("'")
            parts[::2] = [part.replace('?', '%s') for part in parts[::2]]
            text = "'".join(parts)
            if len(self.translated) > 500:   # ad-hoc IN (...) lists: keep it bounded
                self.translated.clear()
            self.translated[sql] = text
        return text

    def execute(self, sql, params=()):
        """Run sql; its rows are fetched at once, so one cursor serves every
        statement (a cursor per statement costs more than a local round trip)."""
        cursor = self.cursor
        if cursor is None:
            cursor = self.cursor = self.raw.cursor()
        if params:
            cursor.execute(self._sql(sql), tuple(params))
        else:
            cursor.execute(sql)
        if self.modern:             # psycopg 3's description builds Column objects: slow
            result = cursor.pgresult
            rows = result is not None and result.status == 2          # TUPLES_OK
        else:
            rows = cursor.description is not None
        return PgResult(cursor.fetchall() if rows else [], cursor.rowcount, self)

    def executemany(self, sql, rows):
        rows = [tuple(row) for row in rows]
        if rows:
            self.raw.cursor().executemany(self._sql(sql), rows)

    def copy(self, sql, text):
        """COPY ... FROM STDIN with text (COPY's text format)."""
        cursor = self.raw.cursor()
        if self.modern:
            with cursor.copy(sql) as copy:
                copy.write(text)
        else:
            import io
            cursor.copy_expert(sql, io.StringIO(text))

    @property
    def in_transaction(self):
        if self.raw.closed:
            return False
        if self.modern:
            return self.raw.info.transaction_status != 0           # IDLE
        return self.raw.get_transaction_status() != 0

    def close(self):
        self.raw.close()


class PgResult(object):
    """A statement's outcome with sqlite3's cursor manners: fetchall() of an
    UPDATE is [], rowcount, lastrowid."""

    __slots__ = ('rows', 'rowcount', 'conn', 'next')

    def __init__(self, rows, rowcount, conn):
        self.rows, self.rowcount, self.conn, self.next = rows, rowcount, conn, 0

    def fetchone(self):
        if self.next >= len(self.rows):
            return None
        self.next += 1
        return self.rows[self.next - 1]

    def fetchall(self):
        rows, self.next = self.rows[self.next:], len(self.rows)
        return rows

    def __iter__(self):
        return iter(self.fetchall())

    @property
    def lastrowid(self):
        """The id the last INSERT drew from an identity column (Store's own
        inserts say RETURNING id instead: one round trip fewer)."""
        return self.conn.execute('SELECT lastval()').fetchone()[0]


class PgListener(object):
    """A pool's second connection: it LISTENs, so that an add, a cancel or a
    stop request anywhere wakes the pool at once. The pool's select() loop
    watches fileno(); read() returns the payloads that arrived (StoreError
    once the connection is gone)."""

    def __init__(self, store):
        self.conn = store.dialect.connect(store.source, False)[1]
        self.driver = self.conn.driver
        try:
            self.conn.execute('LISTEN ' + PostgresDialect.CHANNEL)
        except self.driver.Error as exc:
            self.close()
            raise store.dialect.translate(exc, store)
        self.path = store.path

    def fileno(self):
        return self.conn.raw.fileno()

    def read(self):
        raw = self.conn.raw
        payloads = []
        try:
            if self.driver.__name__ == 'psycopg':
                raw.pgconn.consume_input()
                while True:
                    note = raw.pgconn.notifies()
                    if note is None:
                        break
                    payloads.append(note.extra.decode())
            else:
                raw.poll()
                payloads = [note.payload for note in raw.notifies]
                del raw.notifies[:]
        except self.driver.Error as exc:
            raise StoreError('lost the connection to PostgreSQL at %s: %s'
                             % (self.path, _one_line(exc)))
        return payloads

    def close(self):
        try:
            self.conn.close()
        except self.driver.Error:
            pass


class Store(object):
    """The only code that speaks SQL. One connection, opened by its process.

    Every read-then-write runs in transaction() (SQLite: BEGIN IMMEDIATE, so
    two writers never interleave; PostgreSQL: READ COMMITTED with the locks
    PostgresDialect describes); every state change re-checks the old state
    (and, for a claimed job, its owner and attempt) in its WHERE clause.
    """

    def __init__(self, path, durable=False, create=True):
        """Open (and create, migrate) the database at path: an SQLite file or a
        PostgreSQL URL. With create=False, an SQLite database that does not
        exist yet is read as an empty one, in memory, and nothing is created
        on disk (read commands, a mistyped --db)."""
        self.dialect = PostgresDialect() if is_postgres_url(path) else SqliteDialect()
        self.shared = self.dialect.shared   # pools on many hosts may share it (PostgreSQL)
        self.skew = 0.0             # seconds the database's clock is ahead of this host's
        self.verb = 'write' if create else 'read'   # what failed, for messages
        self.source = path          # as given (a URL's password included): to reconnect
        self.durable = durable
        self.reconnects = 0         # connections opened again after one was lost
        self.broken = False
        self.move_sql = {}           # the UPDATE of _move, by shape
        self.tallies = {}            # metrics counts not written yet: (name, queue, label)
        self.tally_every = 0.0       # seconds between writes of them (a pool: TALLY_FLUSH)
        self.tally_due = 0.0
        self.path, self.conn = self.dialect.connect(path, create)
        try:
            self._retry(self.dialect.prepare, self, durable)
        except BaseException:
            self.conn.close()
            raise

    def _reconnect(self):
        """Open the connection again (PostgreSQL, after a restart or a network
        drop); StoreError while the server cannot be reached."""
        try:
            self.conn.close()
        except self.dialect.errors:
            pass
        self.conn = self.dialect.connect(self.source, False)[1]
        self.broken = False
        self.reconnects += 1
        try:
            self.dialect.prepare(self, self.durable)
        except self.dialect.errors as exc:
            self.broken = True
            raise self.dialect.translate(exc, self)

    def close(self):
        """Write counts still held (a pool's), then close."""
        if self.tallies:
            try:
                self.transaction(self._flush_tallies)
            except StoreError:
                pass
        self.conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def now(self):
        """The time by the database's clock (PostgreSQL: the server's, which every
        host shares; SQLite: this host's), in epoch seconds."""
        return time.time() + self.skew

    # -- transactions ---------------------------------------------------

    def _retry(self, fn, *args):
        """Call fn, retrying while the database says busy, locked or (PostgreSQL)
        that a concurrent transaction conflicted (bounded)."""
        deadline = None
        delay = BUSY_RETRY_FIRST
        if self.broken:
            self._reconnect()
        while True:
            try:
                return fn(*args)
            except self.dialect.errors as exc:
                if not self.dialect.is_transient(exc):
                    self.broken = self.shared and self.dialect.lost(exc, self.conn)
                    raise self.dialect.translate(exc, self)
                now = time.monotonic()
                deadline = deadline or now + BUSY_RETRY_BUDGET
                if now > deadline:
                    raise StoreError('database %s stayed locked for %ds; is a process stuck '
                                     'holding it?' % (self.path, BUSY_RETRY_BUDGET))
                time.sleep(delay * (0.5 + (os.getpid() % 7) / 7.0))
                delay = min(delay * 2, 0.02)

    def _run_tx(self, begin, fn, args):
        writing = begin != self.dialect.begin_read
        self.verb = 'write' if writing else 'read'
        self.conn.execute(begin)
        held = dict(self.tallies)
        try:
            result = fn(*args)
            if self.tallies and writing and time.monotonic() >= self.tally_due:
                self._flush_tallies()
            self.conn.execute('COMMIT')
            return result
        except BaseException:
            self.tallies = held             # counts of a rolled-back transaction go too
            try:
                if self.conn.in_transaction:
                    self.conn.execute('ROLLBACK')
            except self.dialect.errors:
                if not self.shared:
                    raise
                # PostgreSQL: a dead connection cannot roll back; it ends the transaction
            raise

    def transaction(self, fn, *args):
        """Run fn(*args) as one write transaction, retried when busy."""
        return self._retry(self._run_tx, self.dialect.begin_write, fn, args)

    def snapshot(self, fn, *args):
        """Run fn(*args) as one read transaction: every query sees the same state."""
        return self._retry(self._run_tx, self.dialect.begin_read, fn, args)

    def _migrate(self):
        """Create the schema, or bring it forward to SCHEMA_VERSION."""
        self.dialect.lock_schema(self.conn)
        version = self.dialect.schema_version(self.conn)
        statements = list(SCHEMA) if version == 0 else []
        for step in range(version or SCHEMA_VERSION, SCHEMA_VERSION):
            statements += MIGRATIONS[step]
        if version == 0:
            statements += self.dialect.schema_extra
        for statement in statements:
            self.conn.execute(self.dialect.ddl(statement))
        if version != SCHEMA_VERSION:
            self.dialect.set_schema_version(self.conn, SCHEMA_VERSION)

    def checkpoint(self):
        """Move the WAL into the database without waiting for readers."""
        self._retry(self.dialect.checkpoint, self.conn)

    # -- metrics: counts kept where states change --------------------------
    #
    # A state change adds to self.tallies; the transaction that made it writes
    # them, except in a pool (tally_every > 0): it writes its counts at most
    # once per tally_every seconds, so a busy pool pays no SQL per job for its
    # metrics, and a pool killed with -9 loses at most that long of counts.

    def _tally(self, name, queue, label='', seconds=0.0, count=1):
        key = (name, queue, label)
        held = self.tallies.get(key, (0, 0.0))
        self.tallies[key] = (held[0] + count, held[1] + seconds)

    def _observe(self, name, queue, seconds):
        """One observation of a duration histogram ('wait' or 'run')."""
        import bisect
        seconds = max(0.0, seconds)
        index = bisect.bisect_left(METRIC_BOUNDS, seconds)
        self._tally(name, queue, METRIC_BUCKETS[index] if index < len(METRIC_BOUNDS)
                    else '+Inf', seconds)

    def _flush_tallies(self):
        for (name, queue, label), (count, total) in sorted(self.tallies.items()):
            self.conn.execute(self.dialect.insert_ignore(
                'metrics (name, queue, label) VALUES (?, ?, ?)'), (name, queue, label))
            self.conn.execute('UPDATE metrics SET count = count + ?, total = total + ? '
                              'WHERE name = ? AND queue = ? AND label = ?',
                              (count, total, name, queue, label))
        self.tallies = {}
        self.tally_due = time.monotonic() + self.tally_every

    def _count_end(self, job, state, now, error=None):
        """Count a job's move to state (from processing: an attempt's end)."""
        queue = job['queue']
        if job['state'] == 'processing' and state in ('completed', 'failed', 'dead'):
            if error == LOST_ERROR:         # when it died is not known: no run time
                self._tally('lost', queue)
            else:
                self._observe('run', queue, now - (job['started_at'] or now))
            if state == 'failed':
                self._tally('retries', queue)
        if state in FINISHED_STATES:
            self._tally('finished', queue, state)

    # -- adding jobs ----------------------------------------------------

    def add_jobs(self, specs, now):
        """Insert job specs in one transaction; returns [(id, outcome, detail)].

        outcome 'added': detail is why it went straight to the DLQ (a parent
        dead or cancelled), or None. A spec whose key exists gives 'exists'
        (the same spec), 'differs' (detail: the fields that differ; the job is
        left alone) or, with spec['replace'], 'replaced' (detail as for
        'added'). Parents in `after` must exist.
        """
        return self.transaction(self._add_jobs, specs, now)

    def _add_jobs(self, specs, now):
        self.dialect.lock_ids(self.conn)
        self._remember_queues(set(spec['queue'] for spec in specs))
        results = []
        for spec in specs:
            old = self._by_key(spec.get('key'), 'UPDATE' if spec.get('replace') else None)
            # Locked (PostgreSQL): a parent finishing meanwhile either committed
            # before (and is read as it is now) or waits for this add, then
            # sees the child when it updates its children.
            parents = [self._find(ref, 'SHARE')['id'] for ref in spec.get('after') or ()]
            if old is None:
                job_id = self.dialect.insert_id(
                    self.conn, 'INSERT INTO jobs (key, command, created_at, updated_at, queue, '
                    'priority, max_retries, run_at, timeout, cwd, env, base_env) VALUES (?, ?, '
                    '?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', (spec.get('key'), spec['command'], now, now) +
                    self._spec_values(spec))
                outcome = 'added'
            else:
                job_id = old['id']
                changed = self._spec_changes(old, spec, parents)
                if not changed or not spec.get('replace'):
                    results.append((job_id, 'differs' if changed else 'exists', changed))
                    continue
                self._replace(old, spec, parents, now)
                outcome = 'replaced'
            results.append((job_id, outcome, self._set_parents(job_id, parents, now)))
        added = {}
        for spec, (_, outcome, _) in zip(specs, results):
            if outcome == 'added':
                added[spec['queue']] = added.get(spec['queue'], 0) + 1
        self._count_added(added)
        if any(outcome in ('added', 'replaced') for _, outcome, _ in results):
            self.dialect.notify(self.conn, 'add')
        return results

    SPEC_FIELDS = ('queue', 'priority', 'max_retries', 'run_at', 'timeout', 'cwd', 'env',
                   'base_env')

    @staticmethod
    def _spec_values(spec):
        return tuple(_json_dump(spec.get(f)) if f == 'env' else spec.get(f)
                     for f in Store.SPEC_FIELDS)

    def _by_key(self, key, lock=None):
        """The job with this key, or None. lock: as for _find (a job to replace
        is locked, so that no pool claims it meanwhile on PostgreSQL)."""
        row = key is not None and self.conn.execute(
            JOB_SELECT + ' WHERE key = ?' + self.dialect.locking(lock), (key,)).fetchone()
        return _row_to_job(row) if row else None

    def _spec_changes(self, job, spec, parents):
        """What a spec would change in an existing job: a list of field names.
        Not compared: the run time (a --delay is relative to now), the environment
        captured by -E (it changes with every login), and the defaults that
        depend on where add runs (spec['implicit']: cwd, max_retries)."""
        skip = ('run_at', 'base_env') + tuple(spec.get('implicit', ()))
        changed = [f for f in ('command',) + self.SPEC_FIELDS
                   if f not in skip and job[f] != spec.get(f)]
        old_parents = [r[0] for r in self.conn.execute(
            'SELECT parent_id FROM deps WHERE job_id = ?', (job['id'],))]
        if sorted(old_parents) != sorted(set(parents)):
            changed.append('after')
        return changed

    def _replace(self, job, spec, parents, now):
        """Give a keyed job a new spec and make it pending again with attempts reset
        (its history stays); jobs it sent to the DLQ come back, and waiting
        dependents wait for its new run."""
        if job['state'] == 'processing':
            raise InvalidTransition('job %d (key %s) is running; wait for it or cancel it, '
                                    'then add it again' % (job['id'], job['key']))
        if set(parents) & (self._descendants(job['id']) | set([job['id']])):
            raise UsageError('--after: job %d cannot wait for itself or for a job that '
                             'waits for it' % job['id'])
        revived = self._revive(job['id'], now, STATES)
        self.conn.execute('UPDATE jobs SET command = ?, updated_at = ?, %s WHERE id = ?'
                          % ', '.join(f + ' = ?' for f in self.SPEC_FIELDS),
                          (spec['command'], now) + self._spec_values(spec) + (job['id'],))
        self.conn.execute('DELETE FROM deps WHERE job_id = ?', (job['id'],))
        self._doomed_among(revived[1:], now)
        self._refresh_blocked(sorted(set(revived) | set(self._children(job['id']))))

    def _set_parents(self, job_id, parents, now):
        """Record a new or replaced job's parents; returns why it cannot run (a parent
        dead or cancelled: it goes straight to the DLQ), or None."""
        if not parents:
            return None
        self.conn.executemany(self.dialect.insert_ignore(
            'deps (job_id, parent_id) VALUES (?, ?)'), [(job_id, p) for p in parents])
        self._refresh_blocked([job_id])
        reason = self._doomed_by_parent(job_id)
        if reason:
            self._kill_dependents_of(None, [(job_id, reason)], now)
        return reason

    def add_many(self, template, commands, now):
        """Insert one job per command, every other field from template, in one
        transaction; returns the ids in order (consecutive)."""
        shared = self._spec_values(template) + (now, now)

        def insert():
            self.dialect.lock_ids(self.conn)
            self._remember_queues([template['queue']])
            ids = self.dialect.insert_batch(self.conn, commands, shared)
            self._count_added({template['queue']: len(commands)})
            self.dialect.notify(self.conn, 'add')
            return ids
        return self.transaction(insert)

    def _count_added(self, counts):
        for queue, n in counts.items():
            self._tally('added', queue, count=n)

    def _remember_queues(self, names):
        self.conn.executemany(self.dialect.insert_ignore('queues (name) VALUES (?)'),
                              [(name,) for name in names])

    def _last_job_id(self):
        """The highest job id given so far."""
        row = self.conn.execute(self.dialect.last_job_id).fetchone()
        return row[0] if row else 0

    def _resolve(self, ref):
        """Return the id for a job id or key (inside a transaction)."""
        return self._find(ref)['id']

    def _find(self, ref, lock=None):
        """The job with id or key `ref`; JobNotFound if there is none. lock
        ('UPDATE', 'SHARE'): PostgreSQL holds the row until the commit."""
        ref = str(ref)
        row = None
        locking = self.dialect.locking(lock)
        if ref.isdecimal() and int(ref) < 2 ** 63:  # int() takes decimals ('²' is not one)
            row = self.conn.execute(JOB_SELECT + ' WHERE id = ?' + locking,
                                    (int(ref),)).fetchone()
        if row is None:
            row = self.conn.execute(JOB_SELECT + ' WHERE key = ?' + locking, (ref,)).fetchone()
        if row is None:
            raise JobNotFound('no job with id or key %r' % ref)
        return _row_to_job(row)

    # -- reading jobs ---------------------------------------------------

    def job_id(self, ref):
        """The id of the job with that id or key; JobNotFound otherwise."""
        return self._retry(self._resolve, ref)

    def job_detail(self, ref):
        """A job with its parents and run history, read as one snapshot."""
        def read():
            job = self._find(ref)
            self._attach_parents([job])
            job['history'] = self._runs(job['id'])
            return job
        return self.snapshot(read)

    def _runs(self, job_id):
        rows = self.conn.execute(
            'SELECT id, attempt, worker, started_at, finished_at, exit_code, error '
            'FROM runs WHERE job_id = ? ORDER BY id', (job_id,)).fetchall()
        names = ('run_id', 'attempt', 'worker', 'started_at', 'finished_at', 'exit_code',
                 'error')
        return [dict(zip(names, row)) for row in rows]

    def list_jobs(self, states=None, queue=None, limit=LIST_LIMIT):
        """The newest `limit` jobs matching, in id order, and how many more exist."""
        def read():
            where, params = [], []
            if states:
                where.append('state IN (%s)' % _placeholders(states))
                params.extend(states)
            if queue:
                where.append('queue = ?')
                params.append(queue)
            clause = (' WHERE ' + ' AND '.join(where)) if where else ''
            sql = JOB_SELECT + clause + ' ORDER BY id DESC'
            rows = self.conn.execute(sql + (' LIMIT %d' % limit if limit else ''),
                                     params).fetchall()
            jobs = [_row_to_job(r) for r in reversed(rows)]
            more = 0
            if limit and len(rows) == limit:
                older = (clause + ' AND' if clause else ' WHERE') + ' id < ?'
                more = self.conn.execute('SELECT COUNT(*) FROM jobs' + older,
                                         params + [jobs[0]['id']]).fetchone()[0]
            self._attach_parents(jobs)
            return jobs, more
        return self.snapshot(read)

    def _rows_for_ids(self, sql, ids, params=()):
        """Run sql (with one 'IN (%s)', after `params`) over ids in chunks: SQLite
        3.15 allows 999 variables."""
        rows = []
        ids = list(ids)
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            rows.extend(self.conn.execute(sql % _placeholders(chunk),
                                          tuple(params) + tuple(chunk)).fetchall())
        return rows

    def _attach_parents(self, jobs):
        """Set each job's depends_on (parent ids) and waiting_on (those not completed)."""
        by_id = dict((job['id'], job) for job in jobs)
        for job in jobs:
            job['depends_on'], job['waiting_on'] = [], []
        for child, parent, state in self._rows_for_ids(
                'SELECT d.job_id, d.parent_id, p.state FROM deps d LEFT JOIN jobs p '
                'ON p.id = d.parent_id WHERE d.job_id IN (%s) ORDER BY d.parent_id', by_id):
            by_id[child]['depends_on'].append(parent)
            if state is not None and state != 'completed':
                by_id[child]['waiting_on'].append(parent)

    def job_states(self, ids):
        """{id: {state, error, queue, key}} for the given ids, as one snapshot."""
        rows = self.snapshot(self._rows_for_ids, 'SELECT id, state, last_error, queue, key '
                             'FROM jobs WHERE id IN (%s)', ids)
        return dict((row['id'], row) for row in
                    _named(rows, ('id', 'state', 'error', 'queue', 'key')))

    UNFINISHED_SQL = "FROM jobs WHERE state IN ('pending', 'processing', 'failed')"

    def unfinished_ids(self, limit=None):
        """Ids of unfinished jobs (the first `limit` of them: an index seek)."""
        sql = 'SELECT id ' + self.UNFINISHED_SQL + (' LIMIT %d' % limit if limit else '')
        return [r[0] for r in self._retry(lambda: self.conn.execute(sql).fetchall())]

    def unfinished_summary(self):
        """(how many jobs are unfinished, their queues): one pass over the index."""
        rows = self._retry(lambda: self.conn.execute(
            'SELECT queue, COUNT(*) ' + self.UNFINISHED_SQL + ' GROUP BY queue').fetchall())
        return sum(n for _, n in rows), set(q for q, _ in rows)

    def max_job_id(self):
        return self._retry(self._last_job_id)

    def ids_after(self, last_id):
        return [r[0] for r in self._retry(lambda: self.conn.execute(
            'SELECT id FROM jobs WHERE id > ?', (last_id,)).fetchall())]

    def status_snapshot(self):
        """Counts by (state, queue), paused queues, worker rows and queue limits, all at
        one instant."""
        def read():
            return (self._state_counts(), self._pause_rows(), self._worker_rows(),
                    self._queue_limits())
        return self.snapshot(read)

    def _state_counts(self):
        """How many jobs each (state, queue) holds: {state, queue, count} rows."""
        return _named(self.conn.execute(
            'SELECT state, queue, COUNT(*) FROM jobs GROUP BY state, queue'),
            ('state', 'queue', 'count'))

    # -- claiming and recording -------------------------------------------
    #
    # A pool's supervisor is the only client of this part: pool_round() applies
    # what its workers reported and claims jobs for its idle workers, all in one
    # transaction. A claim is one run (runs.id, kept in jobs.run_id); every later
    # write about it is fenced by that run id, so a result that arrives after the
    # job was recovered, cancelled or claimed again changes nothing.

    def pool_round(self, writes, claimants, lease, queues=None):
        """One transaction: apply writes (PoolWrite), then claim one job for each
        (owner, label) in claimants while any is runnable.

        Returns ([whether each write applied], [the claimed jobs, in order]).
        """
        def round_trip():
            now = self.now()
            applied = [self._apply(write, now) for write in writes]
            claimed = []
            if claimants:
                claimed = self.dialect.claim(self, claimants, now, lease, queues)
            return applied, claimed
        return self.transaction(round_trip)

    def claim(self, owner, label, lease, queues=None):
        """Claim the next runnable job for owner (a worker id), or None."""
        claimed = self.pool_round((), [(owner, label)], lease, queues)[1]
        return claimed[0] if claimed else None

    def _claim(self, owner, label, now, lease, room):
        """Claim the next job from the queues in room (_claim_room), taking one
        from its queue's room. The attempt is counted here, at claim time, so a
        job that keeps killing its worker still runs out of retries. Its run
        number (the history's attempt) counts every run, charged or not."""
        job = self._next_runnable(now, list(room))
        if job is None:
            return None
        if room[job['queue']] is not None:
            room[job['queue']] -= 1
            if not room[job['queue']]:
                del room[job['queue']]
        runs = 0 if job['run_id'] is None else self.conn.execute(   # never claimed: none
            'SELECT COUNT(*) FROM runs WHERE job_id = ?', (job['id'],)).fetchone()[0]
        run_id = self.dialect.insert_id(
            self.conn, 'INSERT INTO runs (job_id, attempt, worker, started_at) '
            'VALUES (?, ?, ?, ?)', (job['id'], runs + 1, label, now))
        claim = dict(attempts=job['attempts'] + 1, owner=owner, worker=label,
                     lease_until=now + lease, started_at=now, finished_at=None, run_id=run_id)
        self._move(job['id'], 'processing', now, {}, **claim)
        self._observe('wait', job['queue'], now - job['run_at'])
        job.update(claim, state='processing', updated_at=now, pgid=None, attempt=runs + 1)
        return job

    def _apply(self, write, now):
        """Apply one PoolWrite; False if it no longer applies (fenced off)."""
        if write.kind == 'register':
            self._register(write.row, now)
            return True
        if write.kind == 'unregister':
            return self.conn.execute('DELETE FROM workers WHERE id = ?',
                                     (write.row,)).rowcount == 1
        job = write.job
        if write.kind == 'output':
            if write.data:
                self.dialect.save_output(self.conn, job['run_id'], write.offset, write.data)
            return True
        held = {'state': 'processing', 'run_id': job['run_id']}
        if write.kind == 'pgid':
            return self.conn.execute(
                "UPDATE jobs SET pgid = ? WHERE id = ? AND run_id = ? AND state = 'processing'",
                (write.pgid, job['id'], job['run_id'])).rowcount == 1
        if write.kind == 'release':
            if not self._move(job['id'], 'pending', now, held, attempts=job['attempts'] - 1,
                              run_at=now):
                return False
            if write.started:
                self._end_run(job['run_id'], now, None, write.error)
            else:                       # never started: no run to show
                self.conn.execute('DELETE FROM runs WHERE id = ?', (job['run_id'],))
            return True
        final = write.state in FINISHED_STATES
        if not self._move(job['id'], write.state, now, held, run_at=now + write.delay,
                          finished_at=now if final else None, exit_code=write.exit_code,
                          last_error=write.error,
                          end_run=(job['run_id'], write.exit_code, write.error)):
            return False
        self._count_end(dict(job, state='processing'), write.state, now, write.error)
        self._after_state_change(job['id'], write.state, now)
        return True

    # Every change of a job's state goes through _move() (on PostgreSQL, a
    # claim's twin is PostgresDialect.claim: the same columns, in the one
    # statement that also picks the job with SKIP LOCKED). It sets updated_at
    # and, when the job leaves 'processing', drops the claim (owner,
    # lease_until, pgid). What each change sets besides:
    #   claim    -> processing   attempts + 1, owner, worker, lease_until,
    #                            started_at, finished_at NULL, run_id
    #   finish   -> completed, failed or dead: run_at, finished_at (completed
    #                            and dead only), exit_code, last_error
    #   release  -> pending      attempts - 1, run_at (a stop, not charged)
    #   cancel   -> cancelled    finished_at, last_error
    #   doom     -> dead         finished_at, last_error (a parent will never complete)
    #   revive   -> pending      attempts 0, run_at, finished_at NULL
    CLAIM_COLUMNS = ('owner', 'lease_until', 'pgid')
    CLAIM_CLEARED = dict((name, None) for name in CLAIM_COLUMNS)

    def _move(self, job_id, state, now, where, end_run=None, **columns):
        """Move job_id to state if it still matches `where` ({column: value, or
        a tuple of accepted values}); returns whether it moved. end_run:
        (run id, exit code, error) of the run to close when it moves (one
        statement on PostgreSQL)."""
        sets = dict(columns, state=state, updated_at=now)
        if state != 'processing':
            sets.update(self.CLAIM_CLEARED)
        names = tuple(sorted(sets))
        params = [sets[name] for name in names]
        params.append(job_id)
        shape = [names]
        for name in sorted(where):
            values = where[name] if isinstance(where[name], tuple) else (where[name],)
            if values == (None,):
                shape.append((name, 0))
            else:
                shape.append((name, len(values)))
                params.extend(values)
        shape = tuple(shape)
        sql = self.move_sql.get(shape)
        if sql is None:                 # built once per shape: the pool runs this per job
            sql = 'UPDATE jobs SET %s WHERE id = ?' % ', '.join(n + ' = ?' for n in names)
            for name, count in shape[1:]:
                sql += (' AND %s IN (%s)' % (name, _placeholders('?' * count)) if count
                        else ' AND %s IS NULL' % name)
            self.move_sql[shape] = sql
        if end_run is not None:
            return self.dialect.move_ending_run(self, sql, params, end_run, now)
        return self.conn.execute(sql, params).rowcount == 1

    def _end_run(self, run_id, now, exit_code, error):
        self.conn.execute('UPDATE runs SET finished_at = ?, exit_code = ?, error = ? '
                          'WHERE id = ? AND finished_at IS NULL', (now, exit_code, error, run_id))

    def renew_claims(self, owners, lease, pool_id=None):
        """A pool's heartbeat, one transaction: refresh its registrations and the
        leases of its workers' jobs. Returns the run ids its workers still hold
        (a job cancelled or recovered meanwhile is missing)."""
        def renew():
            now = self.now()
            self._rows_for_ids('UPDATE workers SET heartbeat = ? WHERE id IN (%s)',
                               ([pool_id] if pool_id else []) + list(owners), (now,))
            self._rows_for_ids("UPDATE jobs SET lease_until = ? WHERE state = 'processing' "
                               "AND owner IN (%s)", owners, (now + lease,))
            return self._held_runs(owners)
        return self.transaction(renew)

    def held_runs(self, owners):
        """The run ids these workers hold now."""
        return self.snapshot(self._held_runs, owners)

    def _held_runs(self, owners):
        return set(row[0] for row in self._rows_for_ids(
            "SELECT run_id FROM jobs WHERE state = 'processing' AND owner IN (%s)", owners))

    def processing_jobs(self):
        """Claimed jobs, each with its owner's registration (host, pid: None if gone)."""
        return self.snapshot(lambda: _named(self.conn.execute(
            "SELECT j.id, j.key, j.queue, j.command, j.owner, j.attempts, j.max_retries, "
            "j.started_at, j.lease_until, j.pgid, "
            "j.run_id, COALESCE(r.attempt, j.attempts), j.worker, w.host, w.pid, w.proc_start FROM jobs j "
            "LEFT JOIN runs r ON r.id = j.run_id LEFT JOIN workers w ON w.id = j.owner "
            "WHERE j.state = 'processing'"),
            ('id', 'key', 'queue', 'command', 'owner', 'attempts', 'max_retries',
             'started_at', 'lease_until', 'pgid', 'run_id', 'attempt', 'worker', 'host',
             'pid', 'proc_start')))

    def _next_runnable(self, now, queues):
        """The job to run next (as a dict) from these queues, or None: highest
        priority, then earliest run time, then lowest id, across the queues."""
        best = None
        for queue in queues:
            job = self._next_in_queue(now, queue)
            if job and (best is None or (-job['priority'], job['run_at'], job['id']) <
                        (-best['priority'], best['run_at'], best['id'])):
                best = job
        return best

    def _levels(self, queue):
        """The first runnable job of each priority level of a queue, highest level
        first, as full rows: jobs_ready is ordered (queue, priority, run_at), so
        each step is one index seek, however many jobs a level holds."""
        sql = (JOB_SELECT + self.dialect.indexed_by('jobs_ready') + ' WHERE ' + RUNNABLE_SQL +
               ' AND queue = ?%s ORDER BY priority DESC, run_at, id LIMIT 1')
        row = self.conn.execute(sql % '', (queue,)).fetchone()
        while row is not None:
            job = _row_to_job(row)
            yield job
            row = self.conn.execute(sql % ' AND priority < ?',
                                    (queue, job['priority'])).fetchone()

    def _next_in_queue(self, now, queue):
        """The next due job of one queue. Within a priority level, if the first
        job is not due, none is."""
        for job in self._levels(queue):
            if job['run_at'] <= now:
                return job
        return None

    def runnable_exists(self, now, queues=None):
        """A cheap read: is anything claimable now? (Spares idle workers a write lock.)"""
        def read():
            return self._next_runnable(now, list(self._claim_room(queues))) is not None
        return self.snapshot(read)

    def _pause_rows(self):
        return dict(self.conn.execute('SELECT name, paused FROM queues').fetchall())

    def _claimable_queues(self, served=None, pauses=None):
        """Known queues a worker serving `served` (None: all) may claim from now."""
        pauses = self._pause_rows() if pauses is None else pauses
        names = [q for q in pauses if q != '*' and (not served or q in served)]
        return [q for q in names if not queue_is_paused(q, pauses)]

    def _claim_room(self, served=None):
        """{queue: how many more of its jobs may start now, None = no limit} for the
        queues a worker serving `served` may claim from; full queues are left out.

        A claim of several jobs in one transaction takes one from a queue's room
        per job it claims, and drops the queue at 0. Every pool on the database
        counts the same 'processing' rows under the write lock, so a limit holds
        across pools.
        """
        rows = self.conn.execute('SELECT name, paused, max_running FROM queues').fetchall()
        limits = dict((name, limit) for name, _, limit in rows)
        room = dict((q, limits[q]) for q in self._claimable_queues(
            served, dict((name, paused) for name, paused, _ in rows)))
        limited = [q for q in room if room[q] is not None]
        if limited:
            for queue, running in self.conn.execute(
                    "SELECT queue, COUNT(*) FROM jobs WHERE state = 'processing' AND queue "
                    "IN (%s) GROUP BY queue" % _placeholders(limited), limited):
                room[queue] -= running
        return dict((q, n) for q, n in room.items() if n is None or n > 0)

    def _queue_filter(self, served):
        """SQL (and parameters) restricting a query to claimable queues."""
        allowed = self._claimable_queues(served)
        return ' AND queue IN (%s)' % _placeholders(allowed), allowed

    def next_due(self, now):
        """The earliest future run time of any runnable job, or None."""
        return self._retry(lambda: self.conn.execute(
            'SELECT MIN(run_at) FROM jobs' + self.dialect.indexed_by('jobs_due') +
            ' WHERE ' + RUNNABLE_SQL + ' AND run_at > ?', (now,)).fetchone()[0])

    def has_work_in_flight(self, queues=None):
        """True while a served, unpaused queue has a job processing or awaiting retry."""
        def read():
            queue_sql, params = self._queue_filter(queues)
            return self.conn.execute(
                "SELECT 1 FROM jobs WHERE state IN ('processing', 'failed')" + queue_sql +
                ' LIMIT 1', params).fetchone() is not None
        return self.snapshot(read)

    # -- dependencies ---------------------------------------------------

    def _refresh_blocked(self, job_ids):
        """Recount, for each job, the parents that have not completed yet. On
        PostgreSQL the jobs are locked first: two parents of one job that
        complete together are then counted one after the other."""
        if job_ids:
            self.dialect.lock_rows(self, job_ids)
        for start in range(0, len(job_ids), 500):
            chunk = job_ids[start:start + 500]
            self.conn.execute(
                "UPDATE jobs SET blocked = (SELECT COUNT(*) FROM deps d JOIN jobs p "
                "ON p.id = d.parent_id WHERE d.job_id = jobs.id AND p.state != 'completed') "
                "WHERE id IN (%s)" % _placeholders(chunk), chunk)

    def _job_row(self, job_id, columns):
        """Some columns of one job, as a dict."""
        return _named([self.conn.execute('SELECT %s FROM jobs WHERE id = ?' % columns,
                                         (job_id,)).fetchone()], columns.split(', '))[0]

    def _children(self, parent_id):
        return [r[0] for r in self.conn.execute(
            'SELECT job_id FROM deps WHERE parent_id = ?', (parent_id,))]

    def _doomed_by_parent(self, job_id):
        """The reason a job can never run (a parent dead or cancelled), or None."""
        row = self.conn.execute(
            "SELECT p.id, p.state FROM deps d JOIN jobs p ON p.id = d.parent_id "
            "WHERE d.job_id = ? AND p.state IN ('dead', 'cancelled') ORDER BY p.id LIMIT 1",
            (job_id,)).fetchone()
        return ('dependency %d %s' % row) if row else None

    def _after_state_change(self, job_id, state, now):
        if state == 'completed':
            self._refresh_blocked(self._children(job_id))
        elif state in ('dead', 'cancelled'):
            self._kill_dependents_of(job_id, [], now)

    def _kill_dependents_of(self, parent_id, seeds, now):
        """Send the waiting descendants of a dead/cancelled job to the DLQ (those
        pending, and those awaiting a retry: a requeued parent blocks them again)."""
        todo = list(seeds)
        if parent_id is not None:
            state = self.conn.execute('SELECT state FROM jobs WHERE id = ?',
                                      (parent_id,)).fetchone()[0]
            todo += [(c, 'dependency %d %s' % (parent_id, state))
                     for c in self._children(parent_id)]
        while todo:
            child, reason = todo.pop()
            if self._move(child, 'dead', now, {'state': ('pending', 'failed')},
                          last_error=reason, finished_at=now):
                self._count_end(self._job_row(child, 'state, queue, started_at'), 'dead', now)
                todo += [(c, 'dependency %d dead' % child) for c in self._children(child)]

    # -- DLQ, cancel, prune ---------------------------------------------

    def retry_dead(self, refs, now, every=False):
        """Move DLQ jobs back to pending (attempts reset), with the dependents
        they took down with them. Returns [(id, revived dependents)]."""
        return self.transaction(self._retry_dead, refs, now, every)

    def requeue(self, refs, now):
        """Run finished jobs (completed, dead, cancelled) again: back to pending,
        attempts reset, history kept, with the dependents they sent to the DLQ.
        Returns [(id, revived dependents)]."""
        return self.transaction(self._requeue, refs, now, False, FINISHED_STATES)

    def _retry_dead(self, refs, now, every):
        return self._requeue(refs, now, every, ('dead',))

    def _requeue(self, refs, now, every, states):
        if every:
            ids = [r[0] for r in self.conn.execute(
                "SELECT id FROM jobs WHERE state = 'dead' ORDER BY id")]
        else:
            ids = [self._finished_job(ref, states)['id'] for ref in refs]
        revived, seen = {}, set()
        for job_id in ids:
            if job_id not in seen:
                revived[job_id] = self._revive(job_id, now, states)
                seen.update(revived[job_id])
        every_revived = sorted(seen)
        for job_id, reason in self._doomed_among(every_revived, now):
            if not every and job_id in ids:
                raise InvalidTransition('job %d cannot run: %s; requeue job %s instead (its '
                                        'dependents come back with it)'
                                        % (job_id, reason, reason.split()[1]))
        waiting = set(c for job_id in ids for c in self._children(job_id))
        self._refresh_blocked(sorted(seen | waiting))
        back = set(r[0] for r in self._rows_for_ids(
            "SELECT id FROM jobs WHERE state = 'pending' AND id IN (%s)", every_revived))
        if back:
            self.dialect.notify(self.conn, 'add')
        return [(job_id, len(back.intersection(family)) - 1)
                for job_id, family in revived.items() if job_id in back]

    def _finished_job(self, ref, states):
        """The job `ref`, if it is in one of these states (else InvalidTransition);
        locked on PostgreSQL (a prune meanwhile: then it is not found)."""
        job = self._find(ref, 'UPDATE')
        if job['state'] not in states:
            if states == ('dead',):
                raise InvalidTransition('job %d is not in the DLQ (it is %s)'
                                        % (job['id'], job['state']))
            raise InvalidTransition('job %d is %s: only completed, dead or cancelled jobs '
                                    'can be requeued' % (job['id'], job['state']))
        return job

    def _doomed_among(self, job_ids, now):
        """Send back to the DLQ the jobs (of these, just revived) whose parent is still
        dead or cancelled; returns [(id, reason)]."""
        doomed = []
        for job_id in job_ids:
            reason = self._doomed_by_parent(job_id)
            if reason:
                self._kill_dependents_of(None, [(job_id, reason)], now)
                doomed.append((job_id, reason))
        return doomed

    def _revive(self, job_id, now, states=('dead',)):
        """Make job_id pending again (attempts reset) if it is in `states`, and with
        it the descendants it sent to the DLQ; returns the revived ids."""
        revived = []
        todo = [(job_id, None)]
        while todo:
            current, parent = todo.pop()
            if parent is None:
                where = {'state': tuple(states)}
            else:
                where = {'state': 'dead', 'last_error': ('dependency %d dead' % parent,
                                                         'dependency %d cancelled' % parent)}
            if self._move(current, 'pending', now, where, attempts=0, run_at=now,
                          finished_at=None):
                revived.append(current)
                todo += [(c, current) for c in self._children(current)]
        return revived

    def _descendants(self, job_id):
        """Every job that depends on job_id, directly or through others."""
        found, todo = set(), [job_id]
        while todo:
            for child in self._children(todo.pop()):
                if child not in found:
                    found.add(child)
                    todo.append(child)
        return found

    def cancel(self, ref, now):
        """Cancel a pending, failed or processing job; returns the job as it was,
        a running one with its pool's registration (`pool`: host, pid,
        proc_start, wake_signal; None if it is gone)."""
        def cancel():
            job = self._find(ref, 'UPDATE')
            if job['state'] not in UNFINISHED_STATES:
                raise InvalidTransition('job %d is already %s' % (job['id'], job['state']))
            self._move(job['id'], 'cancelled', now, {}, finished_at=now, last_error='cancelled')
            self._count_end(job, 'cancelled', now)
            if job['state'] == 'processing':
                self._end_run(job['run_id'], now, None, 'cancelled')
                self.dialect.notify(self.conn, 'cancel')     # its pool may be on another host
                pools = _named(self.conn.execute(
                    "SELECT p.host, p.pid, p.proc_start, p.wake_signal FROM workers w "
                    "JOIN workers p ON p.role = 'pool' AND p.host = w.host AND "
                    "p.pid = w.pool_pid WHERE w.id = ?", (job['owner'],)),
                    ('host', 'pid', 'proc_start', 'wake_signal'))
                job['pool'] = pools[0] if pools else None
            self._after_state_change(job['id'], 'cancelled', now)
            return job
        return self.transaction(cancel)

    def prune(self, states, finished_before=None):
        """Delete finished jobs (and their runs); keep any a waiting job depends on.

        Returns [(job_id, [run ids])] so the caller can remove log files.
        """
        def prune():
            sql = 'SELECT id FROM jobs WHERE state IN (%s)' % _placeholders(states)
            params = list(states)
            if finished_before is not None:
                sql += ' AND finished_at < ?'
                params.append(finished_before)
            # Locked (PostgreSQL): an add --after one of them waits, and is then
            # either seen below (its parent kept) or finds its parent gone.
            candidates = set(r[0] for r in self.conn.execute(
                sql + self.dialect.locking('UPDATE'), params))
            # Keep a job while any job that stays depends on it (a waiting one,
            # or one in the DLQ that `dlq retry` could bring back): without the
            # parent row that job would lose its dependency and could run.
            while True:
                kept = set(parent for child, parent in self._rows_for_ids(
                    'SELECT job_id, parent_id FROM deps WHERE parent_id IN (%s)',
                    sorted(candidates)) if child not in candidates)
                if not kept:
                    break
                candidates -= kept
            ids = sorted(candidates)
            runs = {}
            for job_id, run_id in self._rows_for_ids(
                    'SELECT job_id, id FROM runs WHERE job_id IN (%s)', ids):
                runs.setdefault(job_id, []).append(run_id)
            self.dialect.drop_output(self, [r for job_id in ids for r in runs.get(job_id, ())])
            for sql in ('DELETE FROM runs WHERE job_id IN (%s)',
                        'DELETE FROM deps WHERE job_id IN (%s)',
                        'DELETE FROM jobs WHERE id IN (%s)'):
                self._rows_for_ids(sql, ids)
            return [(job_id, runs.get(job_id, [])) for job_id in ids]
        return self.transaction(prune)

    # -- queues ---------------------------------------------------------

    def set_paused(self, queue, paused):
        """Pause or resume one queue, or every queue when queue is None."""
        def write():
            if queue is None:
                self.conn.execute('UPDATE queues SET paused = NULL')
                self._set_pause('*', 1 if paused else None)
            else:
                all_paused = self._pause_rows().get('*') == 1
                self._set_pause(queue, 1 if paused else (0 if all_paused else None))
            if not paused:
                self.dialect.notify(self.conn, 'add')
        self.transaction(write)

    def _set_pause(self, name, paused):
        self.conn.execute(self.dialect.insert_ignore('queues (name) VALUES (?)'), (name,))
        self.conn.execute('UPDATE queues SET paused = ? WHERE name = ?', (paused, name))

    def pause_rows(self):
        return self._retry(self._pause_rows)

    def set_limit(self, queue, limit):
        """At most `limit` jobs of queue run at once, across every pool (None: no limit)."""
        def write():
            self.conn.execute(self.dialect.insert_ignore('queues (name) VALUES (?)'), (queue,))
            self.conn.execute('UPDATE queues SET max_running = ? WHERE name = ?',
                              (limit, queue))
            self.dialect.notify(self.conn, 'add')       # a higher limit may let jobs start
        self.transaction(write)

    def _queue_limits(self):
        return dict(self.conn.execute(
            'SELECT name, max_running FROM queues WHERE max_running IS NOT NULL').fetchall())

    def queue_limits(self):
        """{queue: limit} for the queues that have one."""
        return self._retry(self._queue_limits)

    def instance(self):
        """This database's name for its folder of job logs ('' for a database created
        by version 1, whose logs lie directly in the logs folder)."""
        return self._retry(lambda: self.conn.execute(
            "SELECT value FROM meta WHERE name = 'instance'").fetchone()[0])

    # -- workers --------------------------------------------------------

    def _register(self, row, now):
        self.conn.execute(self.dialect.insert_replace(
            'workers (id, role, host, pid, proc_start, pool_pid, '
            'queues, detached, started_at, heartbeat, wake_signal) '
            'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', 'id'),
            (row['id'], row['role'], row['host'], row['pid'], row['proc_start'],
             row.get('pool_pid'), row.get('queues'), int(bool(row.get('detached'))),
             now, now, row.get('wake_signal')))

    def delete_workers(self, worker_ids):
        if worker_ids:
            self.transaction(self._rows_for_ids, 'DELETE FROM workers WHERE id IN (%s)',
                             worker_ids)

    WORKER_FIELDS = ('id', 'role', 'host', 'pid', 'proc_start', 'pool_pid', 'queues',
                     'detached', 'started_at', 'heartbeat')

    def _worker_rows(self):
        """Worker registrations, each with the job it holds (job_id, from jobs.owner)."""
        rows = self.conn.execute(
            "SELECT %s, j.id FROM workers w LEFT JOIN jobs j ON j.state = 'processing' "
            "AND j.owner = w.id ORDER BY w.started_at, w.pid"
            % ', '.join('w.' + f for f in self.WORKER_FIELDS)).fetchall()
        return [dict(zip(self.WORKER_FIELDS + ('job_id',), row)) for row in rows]

    def workers(self):
        return self._retry(self._worker_rows)

    def idle_pools_on(self, host):
        """Pools on host with a worker that holds no job, for waking after an add."""
        return self._retry(lambda: _named(self.conn.execute(
            "SELECT p.pid, p.proc_start, p.wake_signal FROM workers p WHERE p.host = ? "
            "AND p.role = 'pool' AND EXISTS (SELECT 1 FROM workers w WHERE w.host = p.host "
            "AND w.pool_pid = p.pid AND w.role = 'worker' AND NOT EXISTS (SELECT 1 FROM "
            "jobs WHERE state = 'processing' AND owner = w.id))", (host,)),
            ('pid', 'proc_start', 'wake_signal')))

    # -- operating: metrics, top, logs -f, completion ----------------------

    def metrics_snapshot(self, now):
        """What `metrics` prints, as one snapshot: job counts by (state, queue),
        pauses, worker rows, the oldest due run time per queue, and the rows of
        the metrics table (name, queue, label, count, total)."""
        def read():
            pauses = self._pause_rows()
            oldest = dict((q, self._oldest_due(q, now)) for q in pauses if q != '*')
            rows = _named(self.conn.execute(
                'SELECT name, queue, label, count, total FROM metrics'),
                ('name', 'queue', 'label', 'count', 'total'))
            return self._state_counts(), pauses, self._worker_rows(), oldest, rows
        return self.snapshot(read)

    def _oldest_due(self, queue, now, levels=64):
        """The earliest run time of a due, runnable job of queue (None if none),
        looking at most `levels` priority levels deep."""
        import itertools
        due = [job['run_at'] for job in itertools.islice(self._levels(queue), levels)
               if job['run_at'] <= now]
        return min(due) if due else None

    TOP_RUN_FIELDS = ('run_id', 'job_id', 'attempt', 'started_at', 'finished_at', 'exit_code',
                      'error', 'key', 'queue', 'state', 'command')
    TOP_JOB_FIELDS = ('id', 'key', 'queue', 'command', 'attempts', 'max_retries',
                      'started_at', 'worker')

    def top_snapshot(self, now, cap=TOP_COUNT_CAP, ended=()):
        """What `top` shows, as one snapshot, at a cost that does not grow with
        the number of jobs: every count stops at cap + 1 (through jobs_state,
        jobs_due), the oldest due job is a seek per priority level, the recent
        attempts are the newest rows of runs, plus every attempt of the jobs in
        `ended` (jobs seen running before, whose attempt may be older)."""
        def read():
            pauses = self._pause_rows()
            queues = {}
            for name in sorted(q for q in pauses if q != '*'):
                counts = dict((state, self._count_upto(
                    'SELECT 1 FROM jobs WHERE state = ? AND queue = ?', (state, name), cap))
                    for state in ('pending', 'processing', 'failed', 'dead'))
                counts['oldest'] = self._oldest_due(name, now)
                counts['delayed'] = 0
                queues[name] = counts
            seen = self.conn.execute(
                'SELECT queue, state FROM jobs' + self.dialect.indexed_by('jobs_due') +
                ' WHERE ' + RUNNABLE_SQL +
                " AND run_at > ? LIMIT ?", (now, cap + 1)).fetchall()
            for queue, state in seen:
                if state == 'pending' and queue in queues:
                    queues[queue]['delayed'] += 1
            running = self.conn.execute(
                "SELECT %s FROM jobs WHERE state = 'processing' ORDER BY started_at, id "
                "LIMIT 500" % ', '.join(self.TOP_JOB_FIELDS)).fetchall()
            runs_sql = ('SELECT r.id, r.job_id, r.attempt, r.started_at, r.finished_at, '
                        'r.exit_code, r.error, j.key, j.queue, j.state, j.command FROM runs r '
                        'LEFT JOIN jobs j ON j.id = r.job_id WHERE r.finished_at IS NOT NULL ')
            recent = self.conn.execute(runs_sql + 'ORDER BY r.id DESC LIMIT ?',
                                       (TOP_RECENT,)).fetchall()
            recent += self._rows_for_ids(runs_sql + 'AND r.job_id IN (%s)', ended)
            finished = dict(self.conn.execute(
                "SELECT label, CAST(SUM(count) AS BIGINT) FROM metrics WHERE name = 'finished' "
                "GROUP BY label").fetchall())
            return {'pauses': pauses, 'queues': queues, 'delayed_capped': len(seen) > cap,
                    'limits': self._queue_limits(),
                    'running': [dict(zip(self.TOP_JOB_FIELDS, r)) for r in running],
                    'recent': [dict(zip(self.TOP_RUN_FIELDS, r)) for r in recent],
                    'finished': finished, 'workers': self._worker_rows()}
        return self.snapshot(read)

    def _count_upto(self, select, params, cap):
        """COUNT(*) of a query's rows, reading at most cap + 1 of them."""
        return self.conn.execute('SELECT COUNT(*) FROM (%s LIMIT ?) AS capped' % select,
                                 tuple(params) + (cap + 1,)).fetchone()[0]

    def runs_since(self, run_id):
        """(newest run id, [(job id, run id)] of the runs newer than run_id; with
        run_id None, of the jobs running now): what `logs -f` follows."""
        def read():
            newest = self.conn.execute('SELECT MAX(id) FROM runs').fetchone()[0] or 0
            if run_id is None:
                rows = self.conn.execute("SELECT id, run_id FROM jobs WHERE state = "
                                         "'processing' ORDER BY id").fetchall()
            else:
                rows = self.conn.execute('SELECT job_id, id FROM runs WHERE id > ? AND id <= ? '
                                         'ORDER BY id', (run_id, newest)).fetchall()
            return newest, rows
        return self.snapshot(read)

    def queue_names(self):
        return sorted(q for q in self.pause_rows() if q != '*')

    def keys_starting(self, prefix, limit=200):
        """Job keys that start with prefix (an index range on the unique key)."""
        return [r[0] for r in self._retry(lambda: self.conn.execute(
            'SELECT key FROM jobs WHERE key >= ? AND key < ? ORDER BY key LIMIT ?',
            (prefix, prefix + '\U0010ffff', limit)).fetchall())
            if r[0].startswith(prefix)]     # PostgreSQL: a collation may order otherwise

    # -- pools on many hosts (PostgreSQL) ---------------------------------

    def listen(self):
        """A second connection that LISTENs for adds, cancels and stop requests."""
        return PgListener(self)

    def notify(self, event):
        self.transaction(self.dialect.notify, self.conn, event)

    def measure_clock(self):
        """Measure again how far the database's clock is from this host's."""
        self._retry(self.dialect.measure_clock, self)

    def read_output(self, run_id, offset=0):
        """The bytes of one attempt's output kept in the database, from offset on."""
        return self._retry(self.dialect.read_output, self, run_id, offset)

    def request_stop(self, pool_ids, kind):
        """Ask pools ('warm' or 'cold'), wherever they run, to stop."""
        def write():
            self._rows_for_ids('UPDATE workers SET stop_request = ? WHERE id IN (%s)',
                               pool_ids, (kind,))
            self.dialect.notify(self.conn, 'stop')
        self.transaction(write)

    def stop_request(self, pool_id):
        """The stop a pool was asked for ('warm', 'cold'), or None."""
        row = self._retry(lambda: self.conn.execute(
            'SELECT stop_request FROM workers WHERE id = ?', (pool_id,)).fetchone())
        return row[0] if row else None

    def stray_claims(self, owners, known_runs):
        """Jobs these workers hold that their pool does not know of: claimed in
        a transaction whose commit was never confirmed (the connection dropped
        at that moment). Each as a job dict for a 'release' write."""
        def read():
            jobs = [_row_to_job(row) for row in self._rows_for_ids(
                JOB_SELECT + " WHERE state = 'processing' AND owner IN (%s)", owners)]
            jobs = [job for job in jobs if job['run_id'] not in known_runs]
            for job in jobs:
                job['attempt'] = self.conn.execute('SELECT attempt FROM runs WHERE id = ?',
                                                   (job['run_id'],)).fetchone()[0]
            return jobs
        return self.snapshot(read)


def queue_is_paused(queue, pauses):
    """Whether queue is paused, given the queues table as {name: paused}."""
    if pauses.get(queue) is not None:
        return pauses[queue] == 1
    return pauses.get('*') == 1


########################################################################
# Retry policy
########################################################################

def retry_delay(retry, base, cap):
    """Seconds before retry number `retry` (1, 2, ...): base * 2^(retry-1), capped.

    >>> [retry_delay(n, 2, 60) for n in (1, 2, 3, 4, 5, 6)]
    [2, 4, 8, 16, 32, 60]
    """
    return min(cap, base * 2 ** min(retry - 1, 1000))


def next_state(succeeded, attempts, max_retries, base, cap, now):
    """Where a job goes after attempt number `attempts` ended: (state, run_at).

    >>> next_state(False, 1, 3, 2, 60, 100)
    ('failed', 102)
    >>> next_state(False, 4, 3, 2, 60, 100)
    ('dead', 100)
    """
    if succeeded:
        return 'completed', now
    if attempts > max_retries:
        return 'dead', now
    return 'failed', now + retry_delay(attempts, base, cap)


def describe_exit(returncode):
    """The error text for a process exit status (None for success).

    >>> describe_exit(3), describe_exit(-9)
    ('exit status 3', 'killed by signal 9 (SIGKILL)')
    """
    if returncode == 0:
        return None
    if returncode < 0:
        import signal
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = 'unknown'
        return 'killed by signal %d (%s)' % (-returncode, name)
    if returncode == 127:
        return 'exit status 127 (command not found)'
    return 'exit status %d' % returncode


########################################################################
# Execution
########################################################################

def this_host():
    """This host's name in worker rows and job labels. QUEUECTL_HOSTNAME
    overrides it: containers that share a hostname, several "hosts" on one
    machine in tests."""
    return os.environ.get(ENV_HOSTNAME) or os.uname()[1]


def proc_start_time(pid):
    """A process's start time (clock ticks since boot), to tell a reused pid apart.

    None where /proc is unavailable (then only the pid is checked).
    """
    try:
        return _proc_stat(pid)[2]
    except (OSError, ValueError, IndexError):
        return None


def pid_alive(pid, start=None):
    """True if pid runs, and (when known) started at `start`.

    A zombie is dead: it holds no job, and where PID 1 reaps lazily (a
    container without an init) it may stay a zombie for seconds or forever.
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    if os.path.isdir('/proc/self'):
        try:
            state = _proc_stat(pid)[0]
        except (OSError, ValueError, IndexError):
            return False
        if state in (b'Z', b'X'):
            return False
        if start:
            return proc_start_time(pid) == start
    return True


def _proc_stat(pid):
    """(state, process group, start time) of a process, from /proc/PID/stat."""
    with open('/proc/%s/stat' % pid, 'rb') as handle:
        data = handle.read()
    fields = data[data.rindex(b')') + 2:].split()     # the name may contain spaces
    return fields[0], int(fields[2]), fields[19].decode()


def claim_marker(owner, run_id):
    """Names one claim (worker id and run id): unique across databases on a host.

    Every job process carries it as QUEUECTL_CLAIM in its environment, so
    its processes can be found (and a recycled pgid told apart) from /proc.
    """
    return '%s/%s' % (owner, run_id)


def _live_processes(pgid=None, claim=None):
    """(pid, pgrp) of live, non-zombie processes (Linux /proc), optionally only
    those in process group pgid and/or whose environment carries the claim."""
    needle = ('\0%s=%s\0' % (ENV_CLAIM, claim)).encode() if claim else None
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            state, pgrp, _ = _proc_stat(entry)
            if state in (b'Z', b'X') or (pgid is not None and pgrp != pgid):
                continue
            if needle:
                with open('/proc/%s/environ' % entry, 'rb') as handle:
                    if needle not in b'\0' + handle.read():
                        continue
        except (OSError, ValueError, IndexError):
            continue
        yield int(entry), pgrp


def group_members(pgid, claim=None):
    """Live pids in process group pgid (with claim: only that claim's processes).

    An orphan that init has not reaped yet is a zombie and does not count
    (Linux). Elsewhere this falls back to probing the group.
    """
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return []
    except PermissionError:
        pass
    if not os.path.isdir('/proc/self'):
        return [pgid]
    return [pid for pid, _ in _live_processes(pgid, claim)]


def signal_group(pgid, signum):
    try:
        os.killpg(pgid, signum)
        return True
    except (ProcessLookupError, PermissionError):
        return False


def kill_group(pgid, grace, claim=None, wait=None):
    """TERM a process group, wait up to `grace` seconds, then KILL what is left.

    `wait(seconds)` lets the caller keep working (draining output, reaping)
    while it waits; default is to sleep. Returns True if the group is gone.
    """
    import signal
    wait = wait or time.sleep
    if not group_members(pgid, claim):
        return True
    signal_group(pgid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        wait(0.02)
        if not group_members(pgid, claim):
            return True
    signal_group(pgid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        wait(0.01)
        if not group_members(pgid, claim):
            return True
    return False


def stop_claim(owner, run_id, pgid, grace):
    """Kill every process of one claim of a job: its recorded process group and,
    on Linux, any group whose processes carry the claim (the worker may have
    died between spawning the shell and recording its pgid). Returns whether
    any process of it was found."""
    claim = claim_marker(owner, run_id)
    groups = set([pgid]) if pgid else set()
    if os.path.isdir('/proc/self'):
        groups.update(pgrp for _, pgrp in _live_processes(None, claim))
    found = False
    for group in sorted(groups):
        if group_members(group, claim):
            found = True
            kill_group(group, grace, claim=claim)
    return found


class OutputCapture(object):
    """Write a job's output to its log file, keeping the first and last
    limit/2 bytes of an attempt and dropping the middle with a marker.

    The file is created (0600) only when the job prints something.
    """

    def __init__(self, path, limit):
        self.path = path
        self.head_left = limit // 2
        self.tail_limit = limit - limit // 2
        import collections
        self.tail = collections.deque()
        self.tail_size = 0
        self.dropped = 0
        self.handle = None
        self.last_bytes = b''
        self.error = None

    def write(self, data):
        self.last_bytes = (self.last_bytes + data)[-512:]
        if self.head_left > 0:
            head = data[:self.head_left]
            self._write_file(head)
            self.head_left -= len(head)
            data = data[len(head):]
            if not data:
                return
        self.tail.append(data)
        self.tail_size += len(data)
        while self.tail_size - len(self.tail[0]) >= self.tail_limit:
            self.dropped += len(self.tail[0])
            self.tail_size -= len(self.tail[0])
            self.tail.popleft()

    def _write_file(self, data):
        """Append to the log; after a write error (disk full, folder gone) stop
        writing and remember why: the job itself goes on."""
        if self.error:
            self.dropped += len(data)
            return
        try:
            if self.handle is None:
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                # Unbuffered: `logs -f` and `logs` of a running job read this file.
                self.handle = os.fdopen(fd, 'wb', buffering=0)
            self.handle.write(data)
        except OSError as exc:
            self.error = '%s: %s' % (self.path, _os_reason(exc))
            self.dropped += len(data)

    def close(self):
        """Flush the tail; returns the last line printed (for the error text)."""
        if self.tail:
            tail = b''.join(self.tail)
            excess = len(tail) - self.tail_limit
            if excess > 0:
                tail = tail[excess:]
                self.dropped += excess
            if self.dropped:
                self._write_file(('\n[queuectl: %d bytes of output dropped here; '
                                  'max_log_bytes keeps the head and the tail]\n'
                                  % self.dropped).encode())
            self._write_file(tail)
        if self.handle is not None:
            try:
                self.handle.close()
            except OSError as exc:
                self.error = self.error or '%s: %s' % (self.path, _os_reason(exc))
            self.handle = None
        lines = [l for l in self.last_bytes.splitlines() if l.strip()]
        return lines[-1].decode('utf-8', 'replace').strip() if lines else ''


# os.posix_spawn (Python 3.8+) uses vfork: much cheaper than forking a whole
# Python process per job. It cannot chdir in the child, so the worker chdirs
# first (it is single-threaded and uses absolute paths only).
_HAS_POSIX_SPAWN = sys.version_info >= (3, 8) and hasattr(os, 'posix_spawn')


def _posix_spawn(argv, cwd, env, out_fd):  # novermin: used only where _HAS_POSIX_SPAWN
    import signal
    os.chdir(cwd)
    actions = [(os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),  # novermin
               (os.POSIX_SPAWN_DUP2, out_fd, 1),  # novermin
               (os.POSIX_SPAWN_DUP2, out_fd, 2)]  # novermin
    # Python ignores SIGPIPE and SIGXFSZ; a shell must start with the defaults.
    try:
        return os.posix_spawn(argv[0], argv, env, file_actions=actions,  # novermin
                              setsid=True, setsigdef=(signal.SIGPIPE, signal.SIGXFSZ))
    finally:
        os.chdir('/')       # an idle worker must not keep the job's folder (a mount) busy


def _popen_spawn(argv, cwd, env, out_fd):
    import subprocess
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                            stdout=out_fd, stderr=out_fd, close_fds=True,
                            start_new_session=True, restore_signals=True)
    proc.returncode = 0          # the worker reaps it with waitpid, not Popen
    return proc.pid


def spawn_session(argv, cwd, env, out_fd):
    """Start argv in a session of its own, stdin from /dev/null, stdout and stderr
    to out_fd; returns its pid (also its process group). Not waited for here."""
    if _HAS_POSIX_SPAWN:
        try:
            return _posix_spawn(argv, cwd, env, out_fd)
        except NotImplementedError:             # no POSIX_SPAWN_SETSID in this libc
            pass
    return _popen_spawn(argv, cwd, env, out_fd)


def _status_to_returncode(status):
    """waitpid status -> returncode as subprocess reports it (-N for signal N)."""
    if os.WIFSIGNALED(status):
        return -os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


class SpawnError(Exception):
    """The job's shell could not be started (missing cwd, exec failure)."""


class JobProcess(object):
    """One attempt of a job: `/bin/sh -c CMD` in a new session, output to a pipe.

    Knows nothing about the database: the worker drives it with pump()
    and decides when to kill it.
    """

    def __init__(self, command, cwd, env, capture):
        self.command = command
        self.cwd = cwd
        self.env = env
        self.capture = capture
        self.pid = None
        self.fd = None
        self.returncode = None
        self.started = None

    def start(self):
        """Spawn the shell; returns its pid, which is also its process group id."""
        read_fd, write_fd = os.pipe()
        argv = ['/bin/sh', '-c', self.command]
        try:
            self.pid = spawn_session(argv, self.cwd, self.env, write_fd)
        except OSError as exc:
            os.close(read_fd)
            reason = _os_reason(exc)
            if exc.filename:
                reason += ': %s' % exc.filename
            raise SpawnError('cannot start: %s' % reason)
        except BaseException:
            os.close(read_fd)
            raise
        finally:
            os.close(write_fd)
        os.set_blocking(read_fd, False)
        self.fd = read_fd
        self.started = time.monotonic()
        return self.pid

    @property
    def pgid(self):
        return self.pid

    def poll(self):
        """Reap the shell if it exited; sets and returns returncode (None while it runs)."""
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = _status_to_returncode(status)
        return self.returncode

    @property
    def exited(self):
        return self.returncode is not None

    def pump(self, timeout, extra_fds=()):
        """Wait up to timeout for output or an extra fd; read output; reap.

        Returns the extra fds that are readable.
        """
        import select
        fds = list(extra_fds) + ([self.fd] if self.fd is not None else [])
        timeout = None if timeout is None else max(0.0, timeout)
        if fds:
            ready = select.select(fds, [], [], timeout)[0]
        else:
            time.sleep(timeout or 0)
            ready = []
        if self.fd is not None and (self.fd in ready or self.returncode is not None):
            self._read()
        self.poll()
        return [fd for fd in ready if fd != self.fd]

    def _read(self):
        for _ in range(64):
            try:
                data = os.read(self.fd, READ_CHUNK)
            except BlockingIOError:
                return
            if not data:
                os.close(self.fd)
                self.fd = None
                return
            self.capture.write(data)

    def drain(self, seconds):
        """After the shell exited: read what is left, briefly."""
        deadline = time.monotonic() + seconds
        while self.fd is not None and time.monotonic() < deadline:
            self.pump(0.01)

    def kill(self, grace):
        """TERM the whole group, KILL after grace; keep draining output meanwhile."""
        kill_group(self.pgid, grace, wait=lambda s: self.pump(s))
        if self.returncode is None:
            self.returncode = _status_to_returncode(os.waitpid(self.pid, 0)[1])

    def close(self):
        """Release the pipe; returns the last line the job printed."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        return self.capture.close()

    def duration(self):
        return time.monotonic() - self.started if self.started else 0.0


def job_environment(job, base_env):
    """The environment a job runs with: the worker's (or the caller's, captured by
    `add -E`), its --env, and its ids."""
    env = _json_load(job['base_env']) if job.get('base_env') else dict(base_env)
    env.update(job['env'] or {})
    env['QUEUECTL_JOB_ID'] = str(job['id'])
    env['QUEUECTL_ATTEMPT'] = str(job['attempt'])
    env[ENV_CLAIM] = claim_marker(job['owner'], job['run_id'])
    return env


########################################################################
# Worker pool
########################################################################

class WorkerSettings(object):
    """Plain values a pool needs; workers never see argv or the config file."""
    FIELDS = ('db_path', 'logs_dir', 'queues', 'burst', 'backoff_base', 'backoff_max',
              'job_timeout', 'max_log_bytes', 'lease', 'heartbeat', 'kill_grace',
              'poll_interval', 'shutdown_grace', 'log_level', 'on_finish', 'on_finish_states')
    __slots__ = FIELDS

    def __init__(self, **values):
        for name in self.FIELDS:
            setattr(self, name, values[name])


def settings_from_config(config, db_path, queues=(), burst=False, instance=''):
    """Plain values for the pool: workers never see argv or the config file."""
    return WorkerSettings(
        db_path=db_path, logs_dir=job_logs_dir(db_path, instance, config.env),
        queues=tuple(queues),
        burst=burst, backoff_base=config['backoff_base'], backoff_max=config['backoff_max'],
        job_timeout=config['job_timeout'], max_log_bytes=config['max_log_bytes'],
        lease=config['lease_seconds'], heartbeat=config.heartbeat(),
        kill_grace=config['kill_grace'], poll_interval=config['poll_interval'],
        shutdown_grace=config['shutdown_grace'], log_level=config['log_level'],
        on_finish=config['on_finish'], on_finish_states=config['on_finish_states'])


# Runs the on_finish command and logs its failure itself, so that nobody waits
# for it. $1: the command, $2: the pid that logs, $3: the job id.
NOTIFY_WRAPPER = ('/bin/sh -c "$1"; s=$?; [ "$s" -eq 0 ] || printf "%s queuectl[%s] WARNING '
                  'on_finish for job %s failed: exit status %s\\n" '
                  '"$(date "+%Y-%m-%d %H:%M:%S")" "$2" "$3" "$s" >&2')


def notify_job_end(settings, job, state, exit_code, error, log):
    """Start the on_finish command for a job that just ended an attempt in `state`,
    if on_finish_states includes it. The job's id, key, state, queue, attempts,
    exit code, error and command are in its environment (QUEUECTL_JOB_*).

    It runs from / in a session of its own, stdin from /dev/null, output on
    this process's stderr (the pool log), and is never waited for: it cannot
    hold up the pool, and what it does never changes the job. A failure to
    start it is logged here, a failure of the command by its wrapper shell.
    The supervisor's waitpid(-1) loop reaps it. Returns its pid, or None.
    """
    if not settings.on_finish or state not in settings.on_finish_states.split(','):
        return None
    env = dict((k, v) for k, v in os.environ.items() if k != ENV_CLAIM)
    env.update(QUEUECTL_JOB_ID=str(job['id']), QUEUECTL_JOB_KEY=job['key'] or '',
               QUEUECTL_JOB_STATE=state, QUEUECTL_JOB_QUEUE=job['queue'],
               QUEUECTL_JOB_ATTEMPTS=str(job['attempts']),
               QUEUECTL_JOB_EXIT_CODE='' if exit_code is None else str(exit_code),
               QUEUECTL_JOB_ERROR=error or '', QUEUECTL_JOB_COMMAND=job['command'],
               QUEUECTL_DB_PATH=settings.db_path)
    argv = ['/bin/sh', '-c', NOTIFY_WRAPPER, 'on_finish', settings.on_finish,
            str(os.getpid()), str(job['id'])]
    log.flush()                             # the job's own lines come first
    try:
        return spawn_session(argv, '/', env, 2)
    except OSError as exc:
        log.warning('job %d: cannot start on_finish: %s', job['id'], _os_reason(exc))
        return None


class Log(object):
    """Pool log lines on stderr: `2026-11-28 01:14:39 queuectl[PID] LEVEL message`.

    A few lines of code instead of the logging module, which costs more per
    line than the bookkeeping of a short job. Whole lines per write, so lines
    of several workers sharing stderr do not interleave.

    With hold=True, lines wait for flush(): a worker flushes whenever it is
    about to wait, so one job's finish and the next one's start go out in
    one write, and no line waits longer than the work between two waits.
    """
    LEVELS = {'DEBUG': 10, 'INFO': 20, 'WARNING': 30, 'ERROR': 40, 'CRITICAL': 50}

    def __init__(self, level, stream=None, hold=False):
        self.threshold = self.LEVELS[level]
        self.stream = stream or sys.stderr
        self.prefix = ' queuectl[%d] ' % os.getpid()
        self.stamp_second = None
        self.stamp = ''
        self.hold = hold
        self.held = []

    def write(self, level, message, args):
        if self.LEVELS[level] < self.threshold:
            return
        second = int(time.time())
        if second != self.stamp_second:         # a busy worker logs many lines a second
            self.stamp_second = second
            self.stamp = time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(second))
        self.held.append('%s%s%s %s\n' % (self.stamp, self.prefix, level,
                                          message % args if args else message))
        if not self.hold:
            self.flush()

    def flush(self):
        if not self.held:
            return
        text = ''.join(self.held)
        del self.held[:]
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            pass                                # a closed stderr must not stop the pool

    def info(self, message, *args):
        self.write('INFO', message, args)

    def warning(self, message, *args):
        self.write('WARNING', message, args)

    def error(self, message, *args):
        self.write('ERROR', message, args)

    def exception(self, message, *args):
        """ERROR with the traceback of the exception being handled."""
        import traceback
        self.write('ERROR', message + '\n' + traceback.format_exc().rstrip(), args)


def check_db_safety(db_path, config_path=None):
    """Refuse a database, or a config file (its on_finish is a command), or their
    folders, that another user could write: workers execute what they say.

    Returns a warning for a network filesystem, or None. (A PostgreSQL
    database is guarded by its server's roles: only the config file is checked.)
    """
    check_db_permissions(db_path)
    if config_path and os.path.exists(config_path):
        check_db_permissions(config_path, kind='config file')
    if is_postgres_url(db_path):
        return None
    fstype = filesystem_type(db_path)
    if fstype in NETWORK_FILESYSTEMS:
        return ('database %s is on a network filesystem (%s); SQLite WAL needs all '
                'processes on one host' % (db_path, fstype))
    return None


def check_db_permissions(db_path, adding=False, kind='database'):
    """Refuse a database (or config file), or its folder, that belongs to another
    user or that other users can write to. `add` checks only the second: a
    worker refuses such a database whoever runs it, so a job queued there
    would never run. (Nothing to check for a PostgreSQL URL.)"""
    if is_postgres_url(db_path):
        return
    for path, what in ((os.path.dirname(db_path), 'folder'), (db_path, kind)):
        try:
            info = os.stat(path)
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise StoreError('cannot inspect %s: %s' % (path, _os_reason(exc)))
        if info.st_uid not in (os.getuid(), 0) and not adding:
            raise QueueError('refusing to run jobs from %s: the %s belongs to uid %d, '
                             'not to you' % (path, what, info.st_uid))
        if info.st_mode & 0o022:
            raise QueueError('refusing to %s %s: the %s is writable by other users '
                             '(mode %04o)%s; run: chmod go-w %s'
                             % ('queue jobs in' if adding else 'run jobs from', path, what,
                                info.st_mode & 0o7777, ', and workers refuse to run jobs '
                                'from it' if adding else '', path))


def filesystem_type(path):
    """The filesystem type holding path, from /proc/mounts (None elsewhere)."""
    try:
        with open('/proc/mounts') as handle:
            mounts = [line.split() for line in handle]
    except OSError:
        return None
    path = os.path.realpath(os.path.dirname(path) or '.')
    best, kind = '', None
    for fields in mounts:
        if len(fields) < 3:
            continue
        point = fields[1].replace('\\040', ' ')
        inside = path == point or path.startswith(point.rstrip('/') + '/')
        if inside and len(point) >= len(best):
            best, kind = point, fields[2]
    return kind


def registration_alive(row, host, now, lease):
    """Whether a worker or pool row belongs to a live process: on this host its
    pid (and start time) decide, elsewhere a heartbeat within two leases."""
    if row['host'] == host:
        return pid_alive(row['pid'], row['proc_start'])
    return row['heartbeat'] >= now - max(lease, 1.0) * 2


def live_workers(rows, now, lease, role='worker'):
    host = this_host()
    return [r for r in rows if r['role'] == role and registration_alive(r, host, now, lease)]


def wake_idle_pools(store):
    """Nudge this host's pools that have an idle worker: new work arrived, or a
    job of theirs was cancelled. Each pool registered the signal that wakes it
    (SIGUSR1), so `add` needs no `signal` import; the start time guards
    against a reused pid. (PostgreSQL: the change's NOTIFY woke every pool.)"""
    if store.shared:
        return
    for pool in store.idle_pools_on(this_host()):
        wake_pool(pool)


def wake_pool(pool):
    if pool and pool['wake_signal'] and pid_alive(pool['pid'], pool['proc_start']):
        try:
            os.kill(pool['pid'], pool['wake_signal'])
        except OSError:
            pass


def recover_lost_jobs(store, settings, log, skip=()):
    """Hand back jobs whose worker is gone, as a failed attempt ('worker lost').

    On this host a job is lost when its worker process is gone (pid and start
    time), never because of the clock; a job of another host when its lease
    expired. Survivors of the old attempt on this host are killed first, so
    two runs of a job never overlap. Owners in `skip` (the caller's own
    workers) are left alone. Returns the recovered job ids.
    """
    host = this_host()
    recovered = []
    for job in store.processing_jobs():
        if job['owner'] in skip:
            continue
        here = (job['host'] or parse_worker_label(job['worker'])[0]) == host
        if here and job['pid'] is None:
            reason = 'its worker is no longer registered'
        elif here and not pid_alive(job['pid'], job['proc_start']):
            reason = 'its worker process is gone'
        elif not here and (job['lease_until'] or 0) < store.now():
            reason = 'its lease expired'
        else:
            continue
        if here:
            stop_claim(job['owner'], job['run_id'], job['pgid'], 0)
        write = lost_write(job, settings, reason)
        if store.pool_round([write], (), settings.lease)[0][0]:
            after_write(settings, log, write, True)
            recovered.append(job['id'])
    return recovered


def lost_write(job, settings, reason):
    """The failed attempt of a job whose worker died under it."""
    state, delay = next_state(False, job['attempts'], job['max_retries'],
                              settings.backoff_base, settings.backoff_max, 0)
    return PoolWrite('finish', job, state=state, delay=delay, error=LOST_ERROR, note=reason)


def outcome_write(job, outcome, settings):
    """What to record for an attempt a worker reported on (its 'done' message)."""
    verdict = outcome['verdict']
    if verdict == VERDICT_INTERRUPTED:
        return PoolWrite('release', job, error='interrupted by shutdown; attempt not counted',
                         note='interrupted by shutdown')
    if verdict == VERDICT_UNSTARTED:
        return PoolWrite('release', job, started=False, note='never started')
    error = outcome['error']
    state, delay = next_state(error is None, job['attempts'], job['max_retries'],
                              settings.backoff_base, settings.backoff_max, 0)
    return PoolWrite('finish', job, state=state, delay=delay, exit_code=outcome['exit'],
                     error=error, took=outcome['took'])


def after_write(settings, log, write, applied):
    """What follows a committed write about a job: its pool log line and, for
    an attempt's end, the on_finish command."""
    log_write(log, write, applied)
    if applied and write.kind == 'finish':
        notify_job_end(settings, write.job, write.state, write.exit_code, write.error, log)


def log_write(log, write, applied):
    """The pool log's line for a committed write about a job."""
    job = write.job
    if write.kind not in ('finish', 'release'):
        return
    what = 'job %d attempt %d' % (job['id'], job['attempt'])
    if not applied:
        if write.error != LOST_ERROR:
            log.warning('%s: result discarded, the job was taken over', what)
    elif write.kind == 'release':
        log.info('%s %s; back to pending, not counted', what, write.note)
    elif write.error == LOST_ERROR:
        log.warning('%s: worker lost (%s); now %s', what, write.note, write.state)
    elif write.state == 'completed':
        log.info('%s completed in %s', what, format_seconds(write.took))
    elif write.state == 'failed':
        log.warning('%s failed in %s: %s; retry %d/%d in %s', what, format_seconds(write.took),
                    write.error, job['attempts'], job['max_retries'],
                    format_seconds(write.delay))
    else:
        log.error('%s failed in %s: %s; moved to the DLQ', what, format_seconds(write.took),
                  write.error)


def parse_worker_label(label):
    """'host:pid' (the worker that ran a job) -> (host, pid); (None, None) if absent."""
    host, _, pid = (label or '').rpartition(':')
    return (host, int(pid)) if host and pid.isdecimal() else (None, None)


def prune_stale_workers(store, lease):
    """Drop registrations of dead processes (after their jobs were recovered)."""
    host = this_host()
    now = store.now()
    stale = [r['id'] for r in store.workers()
             if (r['host'] == host and not pid_alive(r['pid'], r['proc_start']))
             or (r['host'] != host and r['heartbeat'] < now - 10 * lease)]
    store.delete_workers(stale)


def registration(worker_id, role, pid, pool_pid=None, queues=(), detached=False,
                 wake_signal=None):
    """The workers-table row of a pool or worker process on this host."""
    return {'id': worker_id, 'role': role, 'host': this_host(), 'pid': pid,
            'proc_start': proc_start_time(pid), 'pool_pid': pool_pid,
            'queues': ','.join(queues) or None, 'detached': detached,
            'wake_signal': wake_signal}


# -- messages between a supervisor and its workers ----------------------
#
# One JSON object per line, on a pipe each way:
#   supervisor -> worker: {"op": "run", "job": {...}}   run it
#                         {"op": "stop"}   finish the job in hand, then exit
#                         {"op": "kill"}   kill the job in hand, report it, exit
#                         {"op": "drop", "run": R}   run R is no longer ours: kill it
#   worker -> supervisor: {"op": "started", "run": R, "pgid": P}   (a job that
#                          ran PGID_RECORD_AFTER: most jobs are done sooner)
#                         {"op": "done", "run": R, "verdict": V, "exit": N,
#                          "error": E, "took": S}
# A job's message is one write; whether a dead worker had read it is told by
# the bytes still unread in its pipe (the supervisor keeps the read end too).
# A worker reads no database and parses no argv; the supervisor never runs a job.

# What became of a run, in a worker's 'done' message.
VERDICT_EXITED = 'exited'             # ran to its end (or could not start): error says how
VERDICT_INTERRUPTED = 'interrupted'   # killed by a cold stop: back to pending, not charged
VERDICT_UNSTARTED = 'unstarted'       # handed back before it started
VERDICT_LOST = 'lost'                 # the claim was cancelled or recovered: result void

# The job fields a worker needs.
JOB_MESSAGE_FIELDS = ('id', 'command', 'cwd', 'env', 'timeout', 'owner', 'run_id', 'attempt',
                      'attempts', 'max_retries', 'base_env', 'key', 'queue', 'started_at')


def encode_message(message):
    import json
    return (json.dumps(message, separators=(',', ':')) + '\n').encode()


def send_message(fd, message):
    """Write one message (a worker's report); False if the other end is gone."""
    data = encode_message(message)
    try:
        while data:
            data = data[os.write(fd, data):]
        return True
    except OSError:
        return False


def unread_bytes(fd):
    """Bytes written to a pipe and not read yet (fd: its read end, which must
    still be open: a pipe's last reader takes the unread bytes with it)."""
    import fcntl
    import struct
    import termios
    try:
        return struct.unpack('i', fcntl.ioctl(fd, termios.FIONREAD, b'\0\0\0\0'))[0]
    except OSError:
        return 0


class MessageReader(object):
    """Splits what arrives on a pipe into messages; notes the end of the pipe."""

    def __init__(self, fd):
        self.fd = fd
        self.buffer = b''
        self.closed = False

    def read(self):
        """Read what is there (call when select says readable); returns messages."""
        import json
        try:
            data = os.read(self.fd, READ_CHUNK)
        except BlockingIOError:
            return []
        except OSError:
            data = b''
        if not data:
            self.closed = True
            return []
        self.buffer += data
        if b'\n' not in self.buffer:
            return []
        lines = self.buffer.split(b'\n')
        self.buffer = lines.pop()
        return [json.loads(line.decode()) for line in lines if line]

    def read_all(self):
        """Everything left, until the pipe is empty or closed."""
        import select
        messages = []
        while not self.closed:
            if not select.select([self.fd], [], [], 0)[0]:
                break
            messages += self.read()
        return messages


class Worker(object):
    """A forked executor: runs the jobs its supervisor sends, one at a time,
    and reports each back. It never opens the database, except as an orphan:
    if the supervisor disappears, it finishes the job in hand, records it
    through a connection of its own, starts nothing new, and exits.

    Signals only set flags or wake the select loop: SIGTERM means "finish the
    job in hand, then exit", SIGCHLD "your job exited"; SIGINT and SIGHUP are
    ignored (the supervisor decides).
    """

    def __init__(self, settings, worker_id, ctl_fd, out_fd, log):
        self.settings = settings
        self.worker_id = worker_id
        self.ctl = MessageReader(ctl_fd)
        self.out_fd = out_fd
        self.log = log
        self.jobs = []              # jobs received, not started yet
        self.stopping = False       # finish the job in hand, then exit
        self.cold = False           # kill the job in hand
        self.dropped = set()        # runs that are no longer ours
        self.reported = None        # (job, outcome) sent last: an orphan records it again
        self.store = None           # an orphan's own connection
        self.base_env = dict(os.environ)
        self.wake_r = None

    def run(self):
        self._install_signals()
        while True:
            job = self._next_job()
            if job is None:
                break
            self._poll_messages()           # a stop or the supervisor's end may be queued
            if job['run_id'] in self.dropped:
                self._report(job, VERDICT_LOST, None, None, 0.0)
            elif self.stopping or self.orphan:
                self._report(job, VERDICT_UNSTARTED, None, None, 0.0)
            else:
                self._run(job)
        if self.orphan:
            self._settle_as_orphan()
        return 0

    @property
    def orphan(self):
        return self.ctl.closed

    def _install_signals(self):
        import signal
        self.wake_r, wake_w = os.pipe()
        os.set_blocking(self.wake_r, False)
        os.set_blocking(wake_w, False)
        signal.set_wakeup_fd(wake_w)
        # Handlers, not SIG_IGN: an ignored signal would stay ignored in jobs.
        for signum in (signal.SIGINT, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2,
                       signal.SIGCHLD):
            signal.signal(signum, _ignore_signal)
        signal.signal(signal.SIGTERM, self._on_term)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, pool_signals())   # blocked over fork

    def _on_term(self, signum, frame):
        self.stopping = True

    def _next_job(self):
        while not self.jobs:
            if self.stopping or self.orphan:
                return None
            self._wait(None)
        return self.jobs.pop(0)

    def _wait(self, timeout, child=None):
        """Wait for a message, a signal or (with child) the job's output or end."""
        import select
        fds = [self.wake_r] + ([] if self.orphan else [self.ctl.fd])
        if child is not None:
            ready = child.pump(timeout, fds)
        else:
            ready = select.select(fds, [], [], timeout)[0]
        if self.wake_r in ready:
            try:
                os.read(self.wake_r, 512)
            except BlockingIOError:
                pass
        if self.ctl.fd in ready:
            self._take(self.ctl.read())

    def _poll_messages(self):
        self._take(self.ctl.read_all())

    def _take(self, messages):
        for message in messages:
            op = message['op']
            if op == 'run':
                self.jobs.append(message['job'])
            elif op == 'drop':
                self.dropped.add(message['run'])
            else:
                self.stopping = True
                self.cold = self.cold or op == 'kill'

    def _run(self, job):
        """Run one attempt to its end and report it."""
        settings = self.settings
        capture = OutputCapture(log_file_path(settings.logs_dir, job['id'], job['run_id']),
                                settings.max_log_bytes)
        child = JobProcess(job['command'], job['cwd'], job_environment(job, self.base_env),
                           capture)
        try:
            child.start()
        except SpawnError as exc:
            capture.close()
            return self._report(job, VERDICT_EXITED, None, str(exc), 0.0)
        verdict, error = self._supervise(child, job)
        last_line = child.close()
        if capture.error:
            self.log.warning('job %d attempt %d: output not saved: %s', job['id'],
                             job['attempt'], capture.error)
        if verdict == VERDICT_EXITED and error is None:
            error = describe_exit(child.returncode)
            if error and last_line:
                error = '%s: %s' % (error, shorten(last_line, 200))
        self._report(job, verdict, child.returncode, error, child.duration())

    def _supervise(self, child, job):
        """Wait for the job's end, killing it on timeout, cold stop or drop.
        Returns (verdict, error text or None)."""
        settings = self.settings
        limit = job['timeout'] if job['timeout'] is not None else settings.job_timeout
        deadline = child.started + limit if limit else None     # 0: no limit
        next_beat = child.started + settings.heartbeat
        started_at = child.started + PGID_RECORD_AFTER       # then say its pgid
        while True:
            self.log.flush()
            wake_at = min(next_beat, started_at if deadline is None else
                          min(deadline, started_at))
            self._wait(wake_at - time.monotonic(), child)
            if child.exited:                # its own result stands, whatever came with it
                break
            now = time.monotonic()
            if self.cold:
                verdict = (VERDICT_INTERRUPTED, None)
            elif job['run_id'] in self.dropped:
                verdict = (VERDICT_LOST, None)
            elif deadline is not None and now >= deadline:
                verdict = (VERDICT_EXITED, 'timed out after %s' % format_seconds(limit))
            else:
                if now >= started_at:
                    started_at = float('inf')
                    if not self.orphan:
                        send_message(self.out_fd, {'op': 'started', 'run': job['run_id'],
                                                   'pgid': child.pgid})
                if now >= next_beat:
                    next_beat = now + settings.heartbeat
                    self._renew_as_orphan()
                continue
            self.log.flush()
            child.kill(settings.kill_grace)
            stop_claim(self.worker_id, job['run_id'], None, settings.kill_grace)
            return verdict
        child.drain(0.05)
        if group_members(child.pgid):
            self.log.info('job %d left background processes; stopping them', job['id'])
            self.log.flush()
            child.kill(settings.kill_grace)
        return VERDICT_EXITED, None

    def _report(self, job, verdict, returncode, error, took):
        outcome = {'op': 'done', 'run': job['run_id'], 'verdict': verdict,
                   'exit': returncode, 'error': error, 'took': round(took, 6)}
        if not self.orphan and send_message(self.out_fd, outcome):
            self.reported = (job, outcome)
            return
        self.ctl.closed = True
        self._record_as_orphan(job, outcome)

    # -- after the supervisor is gone --------------------------------------

    def _fallback(self):
        """An orphan's own connection, opened on first need (None if it cannot)."""
        if self.store is None:
            try:
                self.store = Store(self.settings.db_path, create=False)
            except StoreError as exc:
                self.log.error('pool gone and the database cannot be opened: %s', exc)
        return self.store

    def _record_as_orphan(self, job, outcome, again=False):
        """Record an outcome through the fallback connection (fenced: recording
        one twice, or one the supervisor recorded already, changes nothing;
        `again`: the supervisor may have, so a fenced write is not worth a line)."""
        if outcome['verdict'] == VERDICT_LOST:
            return
        store = self._fallback()
        if store is None:
            return
        write = outcome_write(job, outcome, self.settings)
        try:
            applied = store.pool_round([write], (), self.settings.lease)[0][0]
            if applied or not again:
                after_write(self.settings, self.log, write, applied)
        except StoreError as exc:
            self.log.error('job %d attempt %d: result not recorded (%s); the next pool '
                           'recovers the job', job['id'], job['attempt'], exc)

    def _renew_as_orphan(self):
        if self.orphan and self._fallback() is not None:
            try:
                self.store.renew_claims([self.worker_id], self.settings.lease)
            except StoreError:
                pass

    def _settle_as_orphan(self):
        """Record the last result (the supervisor may have died before it did)
        and remove this worker's registration."""
        if self.reported is not None:
            self._record_as_orphan(*self.reported, again=True)
        store = self._fallback()
        if store is not None:
            try:
                store.delete_workers([self.worker_id])
            except StoreError:
                pass
            store.close()


def _ignore_signal(signum, frame):
    """A handler that does nothing: the signal only wakes select via the wakeup fd."""


def pool_signals():
    """The signals a pool handles, blocked around fork so none is lost or doubled."""
    import signal
    return (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2,
            signal.SIGCHLD)


def open_fds():
    """This process's open file descriptors above 2."""
    for folder in ('/proc/self/fd', '/dev/fd'):
        try:
            return sorted(fd for fd in (int(n) for n in os.listdir(folder)) if fd > 2)
        except (OSError, ValueError):
            continue
    return list(range(3, 256))


def close_fds_except(keep):
    """Close every descriptor above 2 but those in keep: a forked worker drops
    the supervisor's database connection and pipes, and a job inherits nothing
    (posix_spawn closes nothing itself; a job must not hold, say, its
    launcher's lock)."""
    for fd in open_fds():
        if fd not in keep:
            try:
                os.close(fd)
            except OSError:                 # the listing's own descriptor, now closed
                pass


def worker_main(settings, worker_id, ctl_fd, out_fd):
    """Entry point of a forked worker process; never returns."""
    code = 1
    try:
        close_fds_except((ctl_fd, out_fd))
        log = Log(settings.log_level, hold=True)
        try:
            code = Worker(settings, worker_id, ctl_fd, out_fd, log).run()
        except QueueError as exc:
            log.error('worker stopped: %s', exc)
        except Exception:
            log.exception('worker crashed')
        finally:
            log.flush()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


class Slot(object):
    """The supervisor's view of one worker process."""
    __slots__ = ('pid', 'id', 'label', 'ctl', 'ctl_r', 'outbox', 'gone', 'reader', 'job',
                 'pgid', 'sent', 'job_sent', 'dispatched', 'registered', 'shipped')

    def __init__(self, pid, worker_id, ctl, ctl_r, reader):
        self.pid = pid
        self.id = worker_id
        self.label = '%s:%d' % (this_host(), pid)
        self.ctl = ctl                  # supervisor -> worker, non-blocking
        self.ctl_r = ctl_r              # its read end, kept: what did a dead worker read?
        self.outbox = b''               # what a full pipe did not take yet
        self.gone = False               # its pipe is broken: the worker died
        self.reader = reader            # worker -> supervisor
        self.job = None                 # the job sent to it, until its outcome arrives
        self.pgid = None                # the job's process group, once said
        self.sent = 0                   # bytes queued for ctl in all
        self.job_sent = 0               # ... up to the start of the job's message
        self.dispatched = 0.0           # monotonic time the job was sent
        self.registered = False
        self.shipped = 0                # bytes of the job's log sent to the database

    def send(self, message):
        """Queue a message and write what the pipe takes: a worker that is stopped
        (SIGSTOP) or dead never blocks the supervisor."""
        data = encode_message(message)
        self.sent += len(data)
        self.outbox += data
        self.flush()

    def flush(self):
        if self.gone:
            return
        try:
            while self.outbox:
                self.outbox = self.outbox[os.write(self.ctl, self.outbox):]
        except BlockingIOError:
            pass
        except OSError:                 # the worker is gone: its reaping settles it
            self.gone = True

    def read_its_job(self):
        """Whether the worker read (some of) the message of the job it holds."""
        read = self.sent - len(self.outbox) - unread_bytes(self.ctl_r)
        return read > self.job_sent


STOP_WARM = 'warm'      # no new claims; running jobs finish
STOP_COLD = 'cold'      # running jobs are killed and handed back, not charged


class Supervisor(object):
    """A pool: forks N workers, claims jobs for them, records what they report.

    The pool's only database client. First SIGINT/SIGTERM/SIGHUP: warm stop
    (running jobs finish, within shutdown_grace if set). Second one, SIGUSR2,
    or the grace expiring: cold stop. SIGUSR1: new work, or a job was
    cancelled. A worker that dies is replaced and its job handed back at once.
    A write the database refuses (disk full, I/O error) is kept and retried;
    meanwhile nothing new is claimed and running jobs go on.
    """

    def __init__(self, settings, count, detached=False):
        self.settings = settings
        self.count = count
        self.detached = detached
        self.id = '%s:%d:%s' % (this_host(), os.getpid(), os.urandom(4).hex())
        self.log = Log(settings.log_level, hold=True)
        self.store = None
        self.slots = {}                 # worker pid -> Slot
        self.writes = []                # PoolWrites not committed yet
        self.stop_requests = 0
        self.stopping = None            # None, STOP_WARM or STOP_COLD
        self.warm_since = None
        self.failed = False
        self.crashes = 0                # workers dead in a row, no job finishing between
        self.respawns = []              # monotonic times to start a replacement
        self.look = True                # something may have become claimable
        self.check_claims = False       # a job of ours may have been cancelled
        self.next_look = 0.0            # monotonic: look at the queue unasked
        self.next_beat = 0.0
        self.blocked = None             # (first error, retry at, delay) while writes fail
        self.burst_poll = BURST_POLL_FIRST
        self.started = False
        # Pools on many hosts (PostgreSQL) only:
        self.listener = None            # the LISTEN connection (PgListener)
        self.listening = False          # it heard its own ping: NOTIFY reaches this pool
        self.listen_at = 0.0            # monotonic: (re)open it then
        self.listen_delay = 0.1
        self.check_stop = False         # a stop request may be waiting for this pool
        self.next_control = 0.0         # monotonic: check cancels and stop requests unasked
        self.next_ship = 0.0            # monotonic: ship running jobs' new output
        self.renewed = 0.0              # monotonic: when the last renewal of leases began
        self.fenced = set()             # runs stopped because their lease could not be renewed
        self.reconnects = 0             # the store's reconnections already reconciled

    def run(self, on_started=None):
        import signal
        self._install_signals()
        ensure_private_dir(self.settings.logs_dir)
        self._open_store()
        try:
            self.writes.append(PoolWrite('register', row=registration(
                self.id, 'pool', os.getpid(), None, self.settings.queues, self.detached,
                int(signal.SIGUSR1))))
            self._round(())
            recover_lost_jobs(self.store, self.settings, self.log)
            prune_stale_workers(self.store, self.settings.lease)
            self._spawn(self.count)
            self._round(())                     # workers registered before any claim
            self.started = True
            if on_started:
                on_started(self.count)
            self.log.info('pool %d started %d worker%s', os.getpid(), self.count,
                          '' if self.count == 1 else 's')
            self.renewed = time.monotonic()
            self.next_beat = self.renewed + self.settings.heartbeat
            if self.store.shared and not self.settings.burst:
                self._listen(self.renewed)
            self._loop()
        finally:
            self._shutdown()
        return EXIT_FAILURE if self.failed else EXIT_OK

    def _install_signals(self):
        """Signals are counted from the wakeup pipe, one byte per delivery: a
        Python handler runs once for signals that arrive close together, and
        two quick SIGTERMs must still mean a cold stop."""
        import signal
        self.wake_r, self.wake_w = os.pipe()
        os.set_blocking(self.wake_r, False)
        os.set_blocking(self.wake_w, False)
        for signum in pool_signals():
            signal.signal(signum, _ignore_signal)
        signal.set_wakeup_fd(self.wake_w)

    # -- the loop ----------------------------------------------------------

    def _loop(self):
        import select
        while self.slots or (self.respawns and not self.stopping):
            self.log.flush()
            readers = [s.reader.fd for s in self.slots.values() if not s.reader.closed]
            if self.listener is not None:
                readers.append(self.listener.fileno())
            ready = select.select([self.wake_r] + readers, [], [], self._timeout())[0]
            if self.wake_r in ready:
                self._read_signals()
            if self.listener is not None and self.listener.fileno() in ready:
                self._heard()
            for slot in list(self.slots.values()):
                if slot.reader.fd in ready:
                    self._handle(slot, slot.reader.read())
            if self.writes:
                self._gather(select)
            self._reap()
            for slot in self.slots.values():
                slot.flush()
            now = time.monotonic()
            self._check_grace(now)
            self._respawn_due(now)
            if now >= self.next_beat:
                self._heartbeat(now)
            if self.store.shared:
                self._shared_timers(now)
            if self.check_claims:
                self._check_claims()
            self._sync(now)
            if self.settings.burst and not self.stopping and self._drained():
                self._stop(STOP_WARM, quiet=True)

    def _timeout(self):
        """Seconds until the next timer: heartbeat, a look at the queue, a
        respawn, a pgid to record, the end of a shutdown grace, a retry."""
        looking = not self.stopping and self._idle()
        if self.blocked:                # nothing is claimed before the next retry
            looking = False
        elif looking and self.look:
            return 0.0                  # workers were just registered
        times = [self.next_beat] + ([self.blocked[1]] if self.blocked else [])
        if self.respawns and not self.stopping:
            times.append(min(self.respawns))
        if looking:
            times.append(self.next_look)
        if self.store.shared:
            if any(s.job is not None for s in self.slots.values()):
                times.append(self.next_ship)
            if not self.listening:
                times.append(self.next_control)
            if self.listener is None and self.listen_at and not self.stopping:
                times.append(self.listen_at)
        if self.store.tallies:
            times.append(self.store.tally_due)
        if any(s.outbox and not s.gone for s in self.slots.values()):
            times.append(time.monotonic() + OUTBOX_RETRY)
        if self.warm_since and self.settings.shutdown_grace and self.stopping != STOP_COLD:
            times.append(self.warm_since + self.settings.shutdown_grace)
        return max(0.0, min(times) - time.monotonic())

    def _idle(self):
        return [s for s in self.slots.values()
                if s.registered and s.job is None and not s.reader.closed]

    def _read_signals(self):
        """Read the wakeup pipe: each stop signal is one request, SIGUSR2 two."""
        import signal
        stops = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
        try:
            data = os.read(self.wake_r, 512)
        except BlockingIOError:
            return
        before = self.stop_requests
        for signum in bytearray(data):
            if signum in stops:
                self.stop_requests += 1
            elif signum == signal.SIGUSR2:
                self.stop_requests += 2
            elif signum == signal.SIGUSR1:
                self.look = True
                self.check_claims = any(s.job is not None for s in self.slots.values())
        if self.stop_requests >= 2 and before < 2:
            self._stop(STOP_COLD)
        elif self.stop_requests and not before:
            self._stop(STOP_WARM)

    def _gather(self, select):
        """Results are in: wait a moment for those of jobs dispatched just now,
        which short jobs are about to send, so that one transaction records
        them all (group commit). Jobs that run longer are not waited for."""
        soon = time.monotonic() - GATHER_AFTER
        fds = [s.reader.fd for s in self.slots.values()
               if s.job is not None and s.dispatched > soon and not s.reader.closed]
        if fds:
            for fd in select.select(fds, [], [], GATHER_WAIT)[0]:
                slot = next(s for s in self.slots.values() if s.reader.fd == fd)
                self._handle(slot, slot.reader.read())

    def _handle(self, slot, messages):
        """Take in a worker's messages about the job it holds."""
        for message in messages:
            job = slot.job
            if job is None or message['run'] != job['run_id']:
                continue
            if message['op'] == 'started':
                slot.pgid = message['pgid']
                self.writes.append(PoolWrite('pgid', job, pgid=slot.pgid))
                continue
            if self.store.shared:
                self._ship(slot, final=True)
            slot.job = None
            self.look = True
            if message['verdict'] == VERDICT_LOST:
                if job['run_id'] in self.fenced:       # ours until another pool recovers it
                    self.fenced.discard(job['run_id'])
                    self.writes.append(lost_write(job, self.settings, 'its lease could not '
                                                  'be renewed'))
                    continue
                self.log.warning('job %d attempt %d: no longer ours (cancelled or recovered); '
                                 'stopped it', job['id'], job['attempt'])
                continue
            self.crashes = 0
            self.writes.append(outcome_write(job, message, self.settings))

    # -- the database --------------------------------------------------------

    def _sync(self, now):
        """Commit what is pending and claim for idle workers, in one transaction."""
        if self.blocked and now < self.blocked[1]:
            return
        want = []
        if not self.stopping and (self.look or now >= self.next_look):
            want = self._idle()
        counts_due = self.store.tallies and now >= self.store.tally_due
        if not want and not self.writes and not counts_due:
            return
        try:
            if want and not self.writes and not self.look and not counts_due and \
                    not self.store.runnable_exists(self.store.now(), self.settings.queues):
                self._look_later(now)       # a timer: read before taking the write lock
                return
            self.look = False
            jobs = self._round(want)
        except StoreError as exc:
            self._refused(exc, now)
            return
        for slot, job in zip(want, jobs):
            self._dispatch(slot, job)
        if len(jobs) < len(want):
            self._look_later(now)
        elif jobs:
            self.burst_poll = BURST_POLL_FIRST

    def _round(self, want):
        """One transaction: the pending writes applied, a job claimed for each
        slot in `want` while any is runnable. Returns the claimed jobs."""
        writes = self.writes
        applied, jobs = self.store.pool_round(writes, [(s.id, s.label) for s in want],
                                              self.settings.lease, self.settings.queues)
        self.writes = []
        if self.blocked:
            self.log.warning('the database takes writes again: recorded %d pending '
                             'change%s', len(writes), '' if len(writes) == 1 else 's')
            self.blocked = None
        for write, ok in zip(writes, applied):
            if write.kind == 'register':
                self._registered(write.row['id'])
            elif write.path:                   # an attempt's log, all of it in the database
                try:
                    os.unlink(write.path)
                except OSError:
                    pass
            after_write(self.settings, self.log, write, ok)
        return jobs

    def _registered(self, worker_id):
        for slot in self.slots.values():
            if slot.id == worker_id:
                slot.registered = True
                self.look = True

    def _refused(self, exc, now):
        """The database refused a write (disk full, I/O error, locked too long):
        keep every pending write, claim nothing, retry with backoff."""
        delay = min(5.0, self.blocked[2] * 2) if self.blocked else 0.1
        if self.blocked is None:
            self.log.error('cannot write the database: %s; keeping %d pending change%s and '
                           'claiming nothing until it can (running jobs go on)',
                           exc, len(self.writes), '' if len(self.writes) == 1 else 's')
        self.blocked = (exc, now + delay, delay)

    def _look_later(self, now):
        """Nothing to claim: look again at the next due job or poll_interval
        (a --burst pool sooner, for work other pools hold)."""
        wait = self.settings.poll_interval
        try:
            due = self.store.next_due(self.store.now())
        except StoreError:
            due = None
        if due is not None:
            wait = min(wait, max(0.0, due - self.store.now()))
        if self.settings.burst:
            wait = min(wait, self.burst_poll)
            self.burst_poll = min(self.burst_poll * 2, BURST_POLL_MAX)
        self.next_look = now + wait

    def _dispatch(self, slot, job):
        slot.job, slot.pgid, slot.job_sent, slot.shipped = job, None, slot.sent, 0
        slot.dispatched = time.monotonic()
        self.log.info('job %d attempt %d started: %s', job['id'], job['attempt'],
                      shorten(job['command'], 120))
        # A worker that died meanwhile: its reaping hands the job back.
        slot.send({'op': 'run', 'job': {f: job[f] for f in JOB_MESSAGE_FIELDS}})

    def _heartbeat(self, now):
        """Renew the leases of running jobs, recover other pools' lost jobs,
        drop dead registrations, checkpoint the WAL."""
        self.next_beat = now + self.settings.heartbeat
        owners = [s.id for s in self.slots.values() if s.registered]
        handing_back = set(w.row for w in self.writes if w.kind == 'unregister')
        try:
            self._drop_lost(self.store.renew_claims(owners, self.settings.lease, self.id))
            self.renewed = now
            if self.store.shared:
                self._after_renewal(owners)
            if recover_lost_jobs(self.store, self.settings, self.log,
                                 skip=set(owners) | handing_back):
                self.look = True
            prune_stale_workers(self.store, self.settings.lease)
            self.store.checkpoint()
        except StoreError as exc:
            self._refused(exc, now)
            if self.store.shared and now - self.renewed > self.settings.lease * 0.75:
                self._fence_off()

    def _check_claims(self):
        """After a wake-up: is every running job still ours (not cancelled)?"""
        self.check_claims = False
        try:
            self._drop_lost(self.store.held_runs([s.id for s in self.slots.values()]))
        except StoreError as exc:
            self._refused(exc, time.monotonic())

    def _drop_lost(self, held):
        for slot in self.slots.values():
            if slot.job is not None and slot.job['run_id'] not in held:
                slot.send({'op': 'drop', 'run': slot.job['run_id']})

    # -- pools on many hosts (PostgreSQL) ---------------------------------------

    def _shared_timers(self, now):
        if self.listener is None and self.listen_at and now >= self.listen_at and \
                not self.stopping:
            self._listen(now)
        if now >= self.next_control and not self.listening:
            # NOTIFY does not reach this pool (yet): look for cancels and stop requests.
            self.next_control = now + CONTROL_POLL
            self.check_claims = any(s.job is not None for s in self.slots.values())
            self.check_stop = True
        if self.check_stop:
            self._check_stop()
        if now >= self.next_ship:
            self.next_ship = now + SHIP_INTERVAL
            for slot in self.slots.values():
                if slot.job is not None:
                    self._ship(slot)

    def _listen(self, now):
        """Open the LISTEN connection and ping it through the database; until
        the ping arrives (never, behind a transaction-pooling proxy), the pool
        checks for cancels and stop requests every second instead."""
        self.listening = False
        try:
            self.listener = self.store.listen()
            self.store.notify('ping:' + self.id)
        except StoreError as exc:
            if self.listener is not None:
                self.listener.close()
                self.listener = None
            self.log.warning('cannot LISTEN (%s); polling every %s meanwhile', exc,
                             format_seconds(self.settings.poll_interval))
            self.listen_at = now + self.listen_delay
            self.listen_delay = min(self.listen_delay * 2, LISTEN_RETRY_MAX)
            return
        self.listen_at = 0.0
        self.listen_delay = 0.1
        self.look = True                    # adds may have come while nobody listened

    def _heard(self):
        """Take in the notifications that arrived."""
        try:
            payloads = self.listener.read()
        except StoreError as exc:
            self.log.warning('%s; polling until it is back', exc)
            self.listener.close()
            self.listener = None
            self.listening = False
            self.listen_at = time.monotonic() + self.listen_delay
            return
        for payload in payloads:
            if payload == 'add':
                self.look = True
            elif payload == 'cancel':
                self.check_claims = any(s.job is not None for s in self.slots.values())
            elif payload == 'stop':
                self.check_stop = True
            elif payload == 'ping:' + self.id:
                self.listening = True

    def _check_stop(self):
        """Stop if `worker stop --all-hosts` asked this pool to."""
        self.check_stop = False
        try:
            kind = self.store.stop_request(self.id)
        except StoreError as exc:
            self._refused(exc, time.monotonic())
            return
        if kind in (STOP_WARM, STOP_COLD):
            self._stop(kind)

    def _ship(self, slot, final=False):
        """Queue the new bytes of the slot's job log for the database, so that
        `logs` works from any host; at the job's end, the rest (and the file
        is removed once it is recorded)."""
        job = slot.job
        path = log_file_path(self.settings.logs_dir, job['id'], job['run_id'])
        try:
            with open(path, 'rb') as handle:
                handle.seek(slot.shipped)
                data = handle.read()
        except FileNotFoundError:
            return
        except OSError as exc:
            self.log.warning('job %d attempt %d: cannot read its output: %s', job['id'],
                             job['attempt'], _os_reason(exc))
            return
        if data or final:
            self.writes.append(PoolWrite('output', job, data=data, offset=slot.shipped,
                                         path=path if final else None))
            slot.shipped += len(data)

    def _after_renewal(self, owners):
        """After leases were renewed: measure the database's clock again, and
        after a reconnection release claims whose commit was never confirmed."""
        self.store.measure_clock()
        self.check_stop = True
        if self.store.reconnects == self.reconnects:
            return
        known = set(s.job['run_id'] for s in self.slots.values() if s.job is not None)
        known.update(w.job['run_id'] for w in self.writes if w.job is not None)
        for job in self.store.stray_claims(owners, known):
            self.writes.append(PoolWrite('release', job, started=False,
                                         note='never started (its claim was not confirmed)'))
            self.look = True
        self.reconnects = self.store.reconnects

    def _fence_off(self):
        """The leases of running jobs could not be renewed for most of a lease:
        another host may soon take them over, so stop them here first (nothing
        runs twice at once). Each is recorded as a lost attempt once the
        database is back, unless another pool recovered it meanwhile."""
        for slot in self.slots.values():
            job = slot.job
            if job is not None and job['run_id'] not in self.fenced:
                self.log.error('job %d attempt %d: its lease could not be renewed for %s; '
                               'stopping it', job['id'], job['attempt'],
                               format_seconds(time.monotonic() - self.renewed))
                self.fenced.add(job['run_id'])
                slot.send({'op': 'drop', 'run': job['run_id']})

    def _drained(self):
        """--burst: nothing running here, nothing to claim, nothing in flight."""
        if self.look or self.writes or self.respawns or \
                any(s.job is not None for s in self.slots.values()):
            return False
        try:
            return not self.store.has_work_in_flight(self.settings.queues)
        except StoreError:
            return False

    # -- workers ---------------------------------------------------------------

    def _spawn(self, count):
        """Fork workers with os.fork: explicitly fork, never multiprocessing's
        platform default (spawn on macOS, forkserver on Linux from Python 3.14).

        No connection is open across a fork: SQLite keeps per-process state
        (locks, the mapped -shm) that a child must not inherit, or the
        connection an orphaned worker opens later would misuse it.
        """
        if self.store.shared:
            # A PostgreSQL session survives a fork the child never uses (it
            # closes the socket); reopening it could fail while the server is down.
            for _ in range(count):
                self._fork_worker()
            return
        self.store.close()
        try:
            for _ in range(count):
                self._fork_worker()
        finally:
            self._open_store()

    def _open_store(self):
        """The pool's one connection; it writes metrics counts once a second."""
        self.store = Store(self.settings.db_path)
        self.store.tally_every = TALLY_FLUSH

    def _fork_worker(self):
        """Fork one worker. Signals stay blocked across the fork, so none is
        lost or counted twice; the child closes the supervisor's pipes."""
        import signal
        ctl_r, ctl_w = os.pipe()
        out_r, out_w = os.pipe()
        worker_id = '%s:%s' % (this_host(), os.urandom(6).hex())
        self.log.flush()
        sys.stdout.flush()
        sys.stderr.flush()
        signal.pthread_sigmask(signal.SIG_BLOCK, pool_signals())
        try:
            pid = os.fork()
            if pid == 0:
                worker_main(self.settings, worker_id, ctl_r, out_w)   # never returns
        except OSError as exc:
            for fd in (ctl_r, ctl_w, out_r, out_w):
                os.close(fd)
            self.log.error('cannot start a worker: %s', _os_reason(exc))
            self._crashed()
            return
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, pool_signals())
        os.close(out_w)
        os.set_blocking(out_r, False)
        os.set_blocking(ctl_w, False)           # the write end only: ctl_r is the worker's too
        self.slots[pid] = Slot(pid, worker_id, ctl_w, ctl_r, MessageReader(out_r))
        self.writes.append(PoolWrite('register', row=registration(
            worker_id, 'worker', pid, os.getpid(), self.settings.queues)))

    def _respawn_due(self, now):
        due = [t for t in self.respawns if t <= now]
        if due and not self.stopping:
            self.respawns = [t for t in self.respawns if t > now]
            self._spawn(len(due))

    def _reap(self):
        """Collect exited workers: replace them, hand back the job one held."""
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if not pid:
                return
            slot = self.slots.pop(pid, None)
            if slot is None:
                continue
            self._handle(slot, slot.reader.read_all())     # what it said before it died
            charged = slot.job is not None and self._hand_back(slot)
            for fd in (slot.ctl, slot.ctl_r, slot.reader.fd):
                os.close(fd)
            self.writes.append(PoolWrite('unregister', row=slot.id))
            code = _status_to_returncode(status)
            if code != 0:
                self.log.warning('worker %d died (%s)', pid, describe_exit(code))
                if not self.stopping:
                    self._crashed(charged)
            elif not self.stopping and not self.settings.burst:
                self.log.warning('worker %d exited on its own; starting another', pid)
                self.respawns.append(time.monotonic())

    def _hand_back(self, slot):
        """A dead worker's job: a failed attempt ('worker lost') if the worker
        read it, else back to pending, not charged. Its processes are killed first."""
        job = slot.job
        found = stop_claim(slot.id, job['run_id'], slot.pgid, 0)
        if self.store.shared:
            self._ship(slot, final=True)
        started = slot.read_its_job() or found
        if started:
            self.writes.append(lost_write(job, self.settings, 'its worker died'))
        else:
            self.writes.append(PoolWrite('release', job, started=False,
                                         note='never started: its worker died'))
        self.look = True
        return started

    def _crashed(self, charged=False):
        """Replace a dead worker, after a growing delay while workers keep dying;
        stop the pool when they keep dying with no job finishing between (they
        cannot work). A death under a job it started is that job's (charged as
        `worker lost`, bounded by its retries): it is replaced, not counted."""
        if charged:
            self.respawns.append(time.monotonic())
            return
        self.crashes += 1
        limit = 2 * self.count + 3
        if self.crashes >= limit:
            self.log.error('workers keep dying (%d in a row, no job finishing between); '
                           'stopping the pool', self.crashes)
            self.failed = True
            self._stop(STOP_WARM, quiet=True)
            return
        delay = 0.0 if self.crashes == 1 else \
            min(RESPAWN_MAX, RESPAWN_FIRST * 2 ** (self.crashes - 2))
        self.respawns.append(time.monotonic() + delay)

    # -- stopping ----------------------------------------------------------------

    def _stop(self, kind, quiet=False):
        """Warm: workers finish their job, then exit. Cold: jobs are killed."""
        if kind == STOP_COLD and self.stopping != STOP_COLD:
            self.warm_since = self.warm_since or time.monotonic()
            self.log.warning('stopping now: running jobs are killed and go back to pending')
        elif kind == STOP_WARM and self.stopping is None:
            self.warm_since = time.monotonic()
            if not quiet:
                self.log.info('stopping: running jobs may finish (signal again to stop '
                              'them now)')
        else:
            return
        self.stopping = kind
        self.respawns = []
        for slot in self.slots.values():
            slot.send({'op': 'kill' if kind == STOP_COLD else 'stop'})

    def _check_grace(self, now):
        grace = self.settings.shutdown_grace
        if grace and self.stopping == STOP_WARM and now >= self.warm_since + grace:
            self.log.warning('shutdown grace of %s expired; stopping running jobs',
                             format_seconds(grace))
            self._stop(STOP_COLD)

    def _shutdown(self):
        """Record what is left (retrying a while if the database refuses), then
        remove the pool's registration."""
        if self.store is None:
            return
        self.writes.append(PoolWrite('unregister', row=self.id))
        for delay in (0, 0.1, 0.5, 1, 2, 4) if self.started else (0,):
            time.sleep(delay)
            try:
                self._round(())
                break
            except StoreError as exc:
                error = exc
        else:
            self.log.error('%d change%s not recorded (%s): the next pool recovers the jobs',
                           len(self.writes), '' if len(self.writes) == 1 else 's', error)
        self.log.info('pool %d stopped', os.getpid())
        self.log.flush()
        if self.listener is not None:
            self.listener.close()
        self.store.close()


def pool_log_path(db_path):
    """A detached pool's log, beside its database: queue.db -> queue.worker.log."""
    return os.path.splitext(db_path)[0] + '.worker.log'


def start_detached_pool(settings, count, log_path):
    """Fork a pool into the background: a session of its own, stdin from
    /dev/null, output appended to log_path, every other descriptor closed.
    Returns its pid (in the caller)."""
    pid = os.fork()
    if pid:
        return pid
    code = 1
    try:
        os.setsid()
        log_fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        null_fd = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null_fd, 0)
        os.dup2(log_fd, 1)
        os.dup2(log_fd, 2)
        close_fds_except(())
        sys.stdout = os.fdopen(1, 'w', buffering=1)
        sys.stderr = os.fdopen(2, 'w', buffering=1)
        code = run_pool(settings, count, detached=True)
    except BaseException:
        import traceback
        traceback.print_exc()
    finally:
        os._exit(code)


def run_pool(settings, count, detached=False, on_started=None):
    """Run a supervisor with `count` workers until they stop; returns the exit code."""
    return Supervisor(settings, count, detached).run(on_started)


########################################################################
# Presentation
########################################################################

_CONTROL = dict((c, '\\x%02x' % c) for c in list(range(32)) + [127])
_CONTROL.update({9: '\\t', 10: '\\n', 13: '\\r'})


def escape_text(text):
    """Make text safe for a terminal: control characters become escapes.

    >>> escape_text('a\\x1b[31mb\\n')
    'a\\\\x1b[31mb\\\\n'
    """
    return str(text).translate(_CONTROL)


def shorten(text, width):
    """Escape text and cut it to width with '...'.

    >>> shorten('echo hello world', 10)
    'echo he...'
    """
    text = escape_text(text)
    return text if len(text) <= width else text[:max(0, width - 3)] + '...'


def shell_text(text):
    """Text as a shell would show it: bytes that are not UTF-8 (which Python holds
    as surrogates such as \\udcff) as $'...\\xff...'.

    >>> shell_text('/srv/caf\\udce9'), shell_text('/srv/caf\\xe9')
    ("$'/srv/caf\\\\xe9'", '/srv/caf\\xe9')
    """
    if not any('\udc80' <= c <= '\udcff' for c in text):
        return escape_text(text)
    return "$'%s'" % ''.join('\\x%02x' % (ord(c) - 0xdc00) if '\udc80' <= c <= '\udcff'
                             else '\\' + c if c in '\\\'' else escape_text(c)
                             for c in text)


def format_local(ts):
    if ts is None:
        return '-'
    try:
        return time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(ts))
    except (OverflowError, ValueError, OSError):
        return '?'


def format_iso(ts):
    """UTC ISO 8601 with milliseconds, for --json.

    >>> format_iso(0), format_iso(100.9996)
    ('1970-01-01T00:00:00.000Z', '1970-01-01T00:01:41.000Z')
    """
    if ts is None:
        return None
    millis = int(round(ts * 1000))          # round first: 100.9996 is ...:41.000Z
    try:
        return '%s.%03dZ' % (time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(millis // 1000)),
                             millis % 1000)
    except (OverflowError, ValueError, OSError):
        return None


def format_table(headers, rows):
    """Left-aligned columns separated by two spaces; the last column is not padded."""
    widths = [len(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))
    lines = []
    for row in [headers] + list(rows):
        cells = [cell.ljust(widths[i]) for i, cell in enumerate(row[:-1])] + [row[-1]]
        lines.append('  '.join(cells).rstrip())
    return '\n'.join(lines)


def describe_wait(job, now):
    """The Next Retry column: when or on what a job waits."""
    if job['state'] in ('pending', 'failed'):
        if job['blocked'] and job.get('waiting_on'):
            return 'after ' + ','.join(str(p) for p in job['waiting_on'])
        if job['run_at'] > now + 0.5:
            return format_local(job['run_at'])
    return '-'


def jobs_table(jobs, now, width=None):
    """`list`: see job_columns for the columns; commands fit in width (None: whole)."""
    return job_columns(jobs, ('Command', 'Status', 'Attempts', 'Next Retry'), lambda j: (
        escape_text(j['command']), j['state'], str(j['attempts']), describe_wait(j, now)),
        ('Command',), width)


def dlq_table(jobs, width=None):
    return job_columns(jobs, ('Command', 'Attempts', 'Died', 'Last Error'), lambda j: (
        escape_text(j['command']), str(j['attempts']), format_local(j['finished_at']),
        escape_text(j['last_error'] or '-')), ('Command', 'Last Error'), width)


def job_columns(jobs, headers, cells, flexible, width):
    """A table of jobs: ID, then Key when a job has one and Queue when the jobs are in
    more than one queue, then `headers` with cells(job). The `flexible` columns
    share what width leaves after the others, shortened with '...'."""
    extra = [(name, field) for name, field, shown in (
        ('Key', 'key', any(j['key'] for j in jobs)),
        ('Queue', 'queue', len(set(j['queue'] for j in jobs)) > 1)) if shown]
    headers = ('ID',) + tuple(name for name, _ in extra) + tuple(headers)
    rows = [(str(j['id']),) + tuple(escape_text(j[field] or '-') for _, field in extra) +
            tuple(cells(j)) for j in jobs]
    return format_table(headers, fit_columns(headers, rows, flexible, width))


def fit_columns(headers, rows, flexible, width):
    """Shorten the cells of the flexible columns so that rows fit in width: they
    share what the other columns leave, a narrow one keeping its own width."""
    if width is None or not rows:
        return rows
    widths = [max(len(cell) for cell in column) for column in zip(headers, *rows)]
    indexes = [headers.index(name) for name in flexible]
    fixed = sum(w for i, w in enumerate(widths) if i not in indexes) + 2 * (len(widths) - 1)
    room = max(width - 1 - fixed, MIN_FIT_WIDTH * len(indexes))
    allowed = {}
    for count, i in enumerate(sorted(indexes, key=lambda i: widths[i])):
        allowed[i] = max(MIN_FIT_WIDTH, min(widths[i], room // (len(indexes) - count)))
        room -= allowed[i]
    return [tuple(shorten(cell, allowed[i]) if i in allowed else cell
                  for i, cell in enumerate(row)) for row in rows]


def job_to_dict(job, with_history=False):
    """The stable JSON form of a job."""
    data = {
        'id': job['id'], 'key': job['key'], 'command': job['command'],
        'state': job['state'], 'queue': job['queue'], 'priority': job['priority'],
        'attempts': job['attempts'], 'max_retries': job['max_retries'],
        'run_at': format_iso(job['run_at']), 'depends_on': job.get('depends_on', []),
        'timeout': job['timeout'], 'cwd': job['cwd'], 'env': job['env'],
        'created_at': format_iso(job['created_at']),
        'updated_at': format_iso(job['updated_at']),
        'started_at': format_iso(job['started_at']),
        'finished_at': format_iso(job['finished_at']),
        'exit_code': job['exit_code'], 'last_error': job['last_error'],
        'worker': job['worker'], 'preserve_env': bool(job['base_env']),
    }
    if with_history:
        data['history'] = [{
            'attempt': run['attempt'], 'started_at': format_iso(run['started_at']),
            'finished_at': format_iso(run['finished_at']), 'exit_code': run['exit_code'],
            'error': run['error'], 'worker': run['worker']} for run in job['history']]
    return data


def job_detail_text(job, now):
    """`show`: one field per line, then the attempt history."""
    timeout = format_seconds(job['timeout']) if job['timeout'] else '-'
    env = ' '.join('%s=%s' % kv for kv in sorted(job['env'].items())) or '-'
    if job['base_env']:
        env = "the caller's (%d variables, add -E)%s" % (
            len(_json_load(job['base_env'])), '' if env == '-' else ' and ' + env)
    fields = (
        ('ID', str(job['id'])), ('Key', escape_text(job['key'] or '-')),
        ('Command', escape_text(job['command'])), ('State', job['state']),
        ('Queue', job['queue']), ('Priority', str(job['priority'])),
        ('Attempts', '%d of %d' % (job['attempts'], job['max_retries'] + 1)),
        ('Run at', format_local(job['run_at'])), ('Waits for', describe_wait(job, now)),
        ('Depends on', ', '.join(str(p) for p in job['depends_on']) or '-'),
        ('Timeout', timeout), ('Cwd', escape_text(job['cwd'])), ('Env', escape_text(env)),
        ('Created', format_local(job['created_at'])),
        ('Started', format_local(job['started_at'])),
        ('Finished', format_local(job['finished_at'])),
        ('Exit code', '-' if job['exit_code'] is None else str(job['exit_code'])),
        ('Last error', escape_text(job['last_error'] or '-')),
        ('Worker', job['worker'] or '-'),
    )
    width = max(len(name) for name, _ in fields) + 2
    lines = ['%s%s' % ((name + ':').ljust(width), value) for name, value in fields]
    if job['history']:
        rows = [(str(r['attempt']), format_local(r['started_at']),
                 format_local(r['finished_at']),
                 '-' if r['exit_code'] is None else str(r['exit_code']),
                 shorten(r['error'] or '-', ERROR_WIDTH)) for r in job['history']]
        lines += ['', 'History:',
                  format_table(('Attempt', 'Started', 'Finished', 'Exit', 'Error'), rows)]
    return '\n'.join(lines)


def status_counts(count_rows):
    """Totals by state and by queue from {state, queue, count} rows."""
    totals = dict((state, 0) for state in STATES)
    queues = {}
    for row in count_rows:
        state, queue, n = row['state'], row['queue'], row['count']
        totals[state] = totals.get(state, 0) + n
        queues.setdefault(queue, dict((s, 0) for s in STATES))[state] += n
    return totals, queues


def status_text(workers, totals, queues, pauses, limits):
    line = ('Jobs: %d total (%d pending, %d processing, %d completed, %d failed, %d in DLQ'
            % (sum(totals.values()), totals['pending'], totals['processing'],
               totals['completed'], totals['failed'], totals['dead']))
    if totals['cancelled']:
        line += ', %d cancelled' % totals['cancelled']
    lines = ['Workers: %d active' % workers, line + ')']
    names = sorted(set(queues) | set(q for q in pauses if q != '*'))
    any_paused = any(queue_is_paused(q, pauses) for q in names) or pauses.get('*') == 1
    if any_paused or limits or (names and names != [DEFAULT_QUEUE]):
        headers = ('Queue', 'Pending', 'Processing', 'Failed', 'DLQ', 'State')
        rows = [(escape_text(q), str(queues.get(q, {}).get('pending', 0)),
                 str(queues.get(q, {}).get('processing', 0)),
                 str(queues.get(q, {}).get('failed', 0)), str(queues.get(q, {}).get('dead', 0)),
                 'paused' if queue_is_paused(q, pauses) else 'running') for q in names]
        if limits:
            headers += ('Limit',)
            rows = [row + (str(limits.get(q, '-')),) for q, row in zip(names, rows)]
        lines += ['', format_table(headers, rows)]
        if pauses.get('*') == 1:
            lines.append('All queues are paused, new ones too, except those shown running; '
                         'resume all with: '
                         'queuectl resume')
    return '\n'.join(lines)


def describe_queues(queues):
    """'all queues', 'queue emails' or 'queues a, b'."""
    if not queues:
        return 'all queues'
    return 'queue%s %s' % ('s' if len(queues) > 1 else '', ', '.join(queues))


def describe_limit(queue, limit):
    if limit is None:
        return 'Queue %s: no limit' % queue
    return 'Queue %s: at most %d job%s at a time' % (queue, limit, '' if limit == 1 else 's')


def workers_table(rows, now):
    table = []
    for row in rows:
        table.append((str(row['pid']), 'pool' if row['role'] == 'pool' else 'worker',
                      escape_text(row['host']), format_local(row['started_at']),
                      '%ss ago' % int(max(0, now - row['heartbeat'])),
                      '-' if row['job_id'] is None else str(row['job_id']),
                      escape_text(row['queues'] or 'all')))
    return format_table(('PID', 'Role', 'Host', 'Started', 'Heartbeat', 'Job', 'Queues'),
                        table)


def config_table(config, db):
    """`config list`: every key, its value and source; db = (path, source) in effect."""
    rows = []
    for key, _, _, _ in CONFIG_KEYS:
        value, source = ((mask_url(db[0]), db[1]) if key == 'db_path' else
                         (config[key], config.sources[key]))
        rows.append((key, escape_text('-' if value is None else value), source))
    return format_table(('Key', 'Value', 'Source'), rows)


def run_header(job, run):
    return ('=== job %d attempt %d: started %s on %s ===\n'
            % (job['id'], run['attempt'], format_local(run['started_at']), run['worker']))


def run_trailer(run):
    if run['finished_at'] is None:
        return '=== still running ===\n'
    took = format_seconds(max(0.0, run['finished_at'] - run['started_at']))
    error = run['error'] or ''
    if error.startswith('timed out'):
        return '=== %s ===\n' % escape_text(error)
    if run['exit_code'] is not None:
        error = describe_exit(run['exit_code']) or 'exit status 0'
    return '=== %s after %s ===\n' % (escape_text(error), took)


# metrics table name -> (metric, type, help); counters carry a queue label,
# `finished` also the outcome.
METRIC_FAMILIES = (
    ('added', 'queuectl_jobs_added_total', 'counter', 'Jobs added.'),
    ('finished', 'queuectl_jobs_finished_total', 'counter',
     'Jobs that reached a final state, by outcome: completed, dead (in the DLQ), cancelled.'),
    ('retries', 'queuectl_job_retries_total', 'counter',
     'Failed attempts that were followed by a retry.'),
    ('lost', 'queuectl_jobs_lost_total', 'counter',
     'Attempts whose worker died or lost its lease, recovered as failed ("worker lost").'),
    ('run', 'queuectl_job_duration_seconds', 'histogram',
     'Run time of attempts that ended with a result (completed or failed).'),
    ('wait', 'queuectl_job_wait_seconds', 'histogram',
     'Time from a job being due (added, scheduled or retry time) to its claim by a worker.'),
)


def _metric_number(value):
    """A sample value: integers without a fraction, other numbers as repr() has them."""
    value = float(value or 0)
    return '%d' % value if value == int(value) and abs(value) < 1e15 else repr(value)


def _metric_sample(name, labels, value):
    text = ','.join('%s="%s"' % (key, str(v).replace('\\', '\\\\').replace('"', '\\"')
                                 .replace('\n', '\\n')) for key, v in labels)
    return '%s%s %s' % (name, '{%s}' % text if text else '', _metric_number(value))


def metrics_text(counts, pauses, workers, pools, oldest, rows, now):
    """The Prometheus text exposition (format 0.0.4) of `metrics`: gauges from
    the jobs as they are now, counters and histograms from the metrics table.
    Every known queue gets every series, zeros included."""
    totals, queues = status_counts(counts)
    names = sorted(set(queues) | set(q for q in pauses if q != '*'))
    zero = dict((state, 0) for state in STATES)
    lines = []

    def family(name, kind, help, samples):
        lines.extend(['# HELP %s %s' % (name, help), '# TYPE %s %s' % (name, kind)] + samples)
    family('queuectl_jobs', 'gauge', 'Jobs in the database, by queue and state.',
           [_metric_sample('queuectl_jobs', (('queue', q), ('state', state)),
                           queues.get(q, zero)[state]) for q in names for state in STATES])
    family('queuectl_dlq_jobs', 'gauge', 'Jobs in the dead letter queue (state dead).',
           [_metric_sample('queuectl_dlq_jobs', (), totals['dead'])])
    family('queuectl_queue_paused', 'gauge', '1 if workers do not claim from the queue.',
           [_metric_sample('queuectl_queue_paused', (('queue', q),),
                           int(queue_is_paused(q, pauses))) for q in names])
    family('queuectl_oldest_waiting_seconds', 'gauge',
           'Age of the oldest job that is due and waits for a worker; 0 if none.',
           [_metric_sample('queuectl_oldest_waiting_seconds', (('queue', q),),
                           round(max(0.0, now - oldest[q]), 3) if oldest.get(q) else 0)
            for q in names])
    family('queuectl_workers', 'gauge', 'Live worker processes.',
           [_metric_sample('queuectl_workers', (), workers)])
    family('queuectl_pools', 'gauge', 'Live worker pools (supervisors).',
           [_metric_sample('queuectl_pools', (), pools)])
    table = {}
    for row in rows:
        table.setdefault(row['name'], {}).setdefault(row['queue'], {})[row['label']] = (
            row['count'], row['total'])
    for key, name, kind, help in METRIC_FAMILIES:
        data = table.get(key, {})
        samples = []
        for queue in sorted(set(names) | set(data)):
            got = data.get(queue, {})
            if kind == 'histogram':
                samples += _histogram_samples(name, queue, got)
            elif key == 'finished':
                samples += [_metric_sample(name, (('queue', queue), ('outcome', outcome)),
                                           got.get(outcome, (0, 0))[0])
                            for outcome in FINISHED_STATES]
            else:
                samples.append(_metric_sample(name, (('queue', queue),), got.get('', (0, 0))[0]))
        family(name, kind, help, samples)
    return '\n'.join(lines) + '\n'


def _histogram_samples(name, queue, buckets):
    """Cumulative _bucket samples, _sum and _count, from {upper bound: (count, total)}."""
    samples, seen, total = [], 0, 0.0
    for bound in METRIC_BUCKETS + ('+Inf',):
        count, seconds = buckets.get(bound, (0, 0.0))
        seen += count
        total += seconds
        samples.append(_metric_sample(name + '_bucket', (('queue', queue), ('le', bound)), seen))
    return samples + [_metric_sample(name + '_sum', (('queue', queue),), round(total, 6)),
                      _metric_sample(name + '_count', (('queue', queue),), seen)]


def _systemd_word(word, dollar=True):
    """One word of a unit file setting as systemd reads it back: quoted if it has
    to be, '%' (specifiers) doubled, and '$' (variables, in ExecStart=) too."""
    word = word.replace('%', '%%').replace('$', '$$' if dollar else '$')
    if word and not set(word) & set(' \t"\'\\;'):
        return word
    return '"%s"' % word.replace('\\', '\\\\').replace('"', '\\"')


def systemd_unit(argv, env, user, stop_timeout, db_path, user_unit=False):
    """A systemd service running the pool `argv` in the foreground. KillMode=mixed:
    a stop sends SIGTERM to the supervisor alone, which stops claiming and lets
    running jobs finish (systemd's default would signal every job at once);
    TimeoutStopSec (None: infinity) lies beyond the shutdown grace, after
    which the pool stops the jobs and hands them back itself."""
    if user_unit:
        where = '~/.config/systemd/user/queuectl.service'
        install = 'systemctl --user daemon-reload && systemctl --user enable --now queuectl'
    else:
        where = '/etc/systemd/system/queuectl.service'
        install = 'systemctl daemon-reload && systemctl enable --now queuectl'
    stop = ('running jobs may finish for shutdown_grace, then are handed back; '
            'systemd waits %ds' % stop_timeout if stop_timeout else
            'running jobs may finish however long they take (shutdown_grace 0); set '
            'shutdown_grace and regenerate for a bounded stop')
    lines = ['# queuectl worker pool, generated by "queuectl worker unit".',
             '# Install: save as %s, then: %s' % (where, install),
             '# Stop: the pool claims nothing more; %s.' % stop,
             '# Jobs inherit the environment below; add Environment= lines for what they need.',
             '[Unit]', 'Description=queuectl worker pool (%s)'
             % escape_text(mask_url(db_path)).replace('%', '%%')]
    if not user_unit:
        lines += ['Wants=network-online.target', 'After=network-online.target']
    lines += ['', '[Service]', 'Type=simple'] + (['User=%s' % user] if user else [])
    lines.append('ExecStart=' + ' '.join(_systemd_word(w) for w in argv))
    lines += ['Environment=%s' % _systemd_word('%s=%s' % pair, dollar=False) for pair in env]
    lines += ['KillMode=mixed', 'KillSignal=SIGTERM',
              'TimeoutStopSec=%s' % (stop_timeout or 'infinity'),
              'Restart=on-failure', 'RestartSec=5', '',
              '[Install]', 'WantedBy=%s' % ('default.target' if user_unit else
                                            'multi-user.target')]
    return '\n'.join(lines) + '\n'


# -- top ------------------------------------------------------------------

TOP_MIN_SIZE = (60, 15)          # columns, lines
TOP_KEYS = ('q quit  tab pane  up/down select  p pause/resume queue  c cancel job  '
            'r retry DLQ job  l log')


def top_count(value, capped=False):
    """A count as `top` shows it: '10000+' where it stopped counting."""
    return '%d+' % min(value, TOP_COUNT_CAP) if capped or value > TOP_COUNT_CAP else str(value)


def top_status_line(snap, workers, pools):
    queues = snap['queues'].values()
    counts = [(sum(q[state] for q in queues), any(q[state] > TOP_COUNT_CAP for q in queues))
              for state in ('pending', 'processing', 'failed', 'dead')]
    finished = snap['finished']
    return [('Workers: %d active in %d pool%s   Jobs: %s pending, %s running, %s failed, '
             '%s in DLQ' % ((workers, pools, '' if pools == 1 else 's') +
                            tuple(top_count(n, capped) for n, capped in counts))),
            'Finished, all time: %d completed, %d dead, %d cancelled' % tuple(
                int(finished.get(state, 0)) for state in FINISHED_STATES)]


def top_queue_rows(snap, now):
    """The queue pane: a Limit column when a queue has one (as `status`)."""
    rows = []
    limits = snap['limits']
    for name, q in sorted(snap['queues'].items()):
        paused = queue_is_paused(name, snap['pauses'])
        cells = (escape_text(name), top_count(q['pending']), top_count(q['processing']),
                 top_count(q['delayed'], snap['delayed_capped']), top_count(q['failed']),
                 top_count(q['dead']),
                 format_seconds(max(0.0, now - q['oldest'])) if q['oldest'] else '-')
        if limits:
            cells += (str(limits.get(name, '-')),)
        rows.append((cells + ('paused' if paused else 'running',),
                     'warn' if paused else ('bad' if q['dead'] else None)))
    head = ('Queue', 'Pending', 'Running', 'Delayed', 'Failed', 'DLQ', 'Oldest')
    return head + ('Limit',) * bool(limits) + ('State',), rows


def top_running_rows(jobs, now):
    rows = [((str(j['id']), escape_text(j['key'] or '-'), escape_text(j['queue']),
              escape_text(j['worker'] or '-'),
              format_seconds(max(0.0, now - (j['started_at'] or now))),
              '%d/%d' % (j['attempts'], j['max_retries'] + 1), escape_text(j['command'])), None)
            for j in jobs]
    return ('ID', 'Key', 'Queue', 'Worker', 'Elapsed', 'Attempt', 'Command'), rows


def top_recent_rows(runs):
    rows = []
    for r in runs:
        ok = r['error'] is None and r['exit_code'] == 0
        state = r['state'] or 'pruned'
        rows.append(((str(r['job_id']), str(r['attempt']),
                      time.strftime('%H:%M:%S', time.localtime(r['finished_at'])),
                      format_seconds(max(0.0, r['finished_at'] - r['started_at'])),
                      'ok' if ok else shorten(r['error'] or describe_exit(r['exit_code']), 30),
                      state, escape_text(r['command'] or '-')),
                     'good' if ok else ('bad' if state == 'dead' else 'warn')))
    return ('ID', 'Attempt', 'Ended', 'Took', 'Result', 'State', 'Command'), rows


def top_lines(title, status, panes, width, height=None, focus=None, selected=(), footer=''):
    """The screen of `top` as [(text, style)]: a title, the status lines, then each
    pane (name, (headers, [(cells, style)])) as a table, its rows cut to fit
    `height` lines (None: every row) while keeping the selected row in view.
    Styles: title, head, select, good, warn, bad, or None."""
    lines = [(title, 'title')] + [(text, None) for text in status]
    budget = None
    if height is not None:
        budget = max(len(panes), height - len(lines) - 3 * len(panes) - (1 if footer else 0))
    sizes = _pane_sizes([len(rows) for _, (_, rows) in panes], budget)
    for index, ((name, (headers, rows)), size) in enumerate(zip(panes, sizes)):
        chosen = selected[index] if index < len(selected) else 0
        start = max(0, min(chosen - size + 1, len(rows) - size)) if size else 0
        shown = rows[start:start + size]
        more = len(rows) - len(shown)
        lines += [('', None), ('%s (%d)%s' % (name, len(rows), ', %d not shown' % more
                                              if more else ''), 'head')]
        table = format_table(headers, [cells for cells, _ in shown]).split('\n')
        lines.append((table[0], 'head'))
        for offset, (text, (_, style)) in enumerate(zip(table[1:], shown)):
            lines.append((text, 'select' if focus == index and start + offset == chosen
                          else style))
    lines = [(text[:width - 1], style) for text, style in lines]
    if footer:
        if height is not None:
            lines = lines[:height - 1] + [('', None)] * (height - 1 - len(lines))
        lines.append((footer[:width - 1], 'title'))
    return lines


def _pane_sizes(wanted, budget):
    """Rows to show per pane: all if budget is None; else share the budget, each
    pane getting at least one row and no more than it has."""
    if budget is None:
        return list(wanted)
    sizes = [min(w, 1) for w in wanted]
    left = budget - sum(sizes)
    while left > 0 and any(s < w for s, w in zip(sizes, wanted)):
        for i, w in enumerate(wanted):
            if left > 0 and sizes[i] < w:
                sizes[i] += 1
                left -= 1
    return sizes


def json_text(data):
    """The --json form of data: indented, stable key order."""
    import json
    return json.dumps(data, indent=2, sort_keys=False)


########################################################################
# Command-line interface
########################################################################

EPILOG_EXIT = ('exit status: 0 success, 1 the operation failed or the answer is no, '
               '2 usage error, 124 wait timed out')


def _terminal_width():
    """What shutil.get_terminal_size() would say, without importing shutil."""
    try:
        return int(os.environ['COLUMNS'])
    except (KeyError, ValueError):
        pass
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns
    except (AttributeError, ValueError, OSError):
        return 80


def output_width(ctx):
    """The width tables fit in: $COLUMNS, else the terminal's; None (no limit) when
    the output is not a terminal (a pipe or file gets whole commands)."""
    try:
        return int(ctx.env['COLUMNS'])
    except (KeyError, ValueError):
        pass
    try:
        return os.get_terminal_size(ctx.out.fileno()).columns if ctx.out.isatty() else None
    except (AttributeError, ValueError, OSError):
        return None


def _parser_class(out):
    import argparse

    class Parser(argparse.ArgumentParser):
        """Errors become UsageError; --help and --version write to `out`."""

        def error(self, message):
            raise UsageError(message, usage=self.format_usage())

        def _print_message(self, message, file=None):
            if message:
                out.write(message)
    return Parser


def build_parser(command=None, out=None):
    """The argument parser; with `command`, only that subcommand is built (a fast add)."""
    import argparse
    parser_class = _parser_class(out or sys.stdout)
    width = _terminal_width() - 2

    def raw(prog):
        return argparse.RawDescriptionHelpFormatter(prog, width=width)
    parser = parser_class(
        prog='queuectl', formatter_class=raw,
        description='A background job queue for shell commands, with retries and a DLQ.',
        epilog='examples:\n'
               '  queuectl add "echo hello"\n'
               '  queuectl worker start --count 4\n'
               '  queuectl status\n\n' + EPILOG_EXIT + '\n'
               'run "queuectl COMMAND --help" for the options of a command')
    parser.add_argument('--version', action='version', version='queuectl ' + __version__)
    parser.add_argument('--db', metavar='PATH', help='SQLite database file '
                        '(default: $QUEUECTL_DB_PATH, $QUEUECTL_HOME/queue.db, config '
                        'db_path, ~/.local/share/queuectl/queue.db)')
    common = parser_class(add_help=False)
    common.add_argument('--db', metavar='PATH', default=argparse.SUPPRESS,
                        help='SQLite database file')
    sub = parser.add_subparsers(dest='command', metavar='COMMAND')
    sub.required = True

    def add(name, help, epilog, aliases=(), description=None, under=None):
        """Add a command (or, `under` a command's subparsers, an action)."""
        if under is None and command is not None and command != name and \
                command not in aliases:
            return None
        return (under or sub).add_parser(
            name, aliases=list(aliases), help=help, parents=[common],
            description=description or help[0].upper() + help[1:] + '.',
            epilog=('examples:\n' + epilog) if epilog else None, formatter_class=raw)

    for builder in COMMAND_BUILDERS:
        builder(add)
    return parser


def _json_flag(p):
    p.add_argument('--json', action='store_true', help='print JSON')


# add's options, as one table: argparse is built from it, and so is the fast
# path (_fast_add_args) that spares a plain `add` importing and building
# argparse (9 ms of an add; see Performance).
# (flags, dest, kind, metavar, default, help); kind: flag, value or append.
ADD_OPTIONS = (
    (('-q', '--quiet'), 'quiet', 'flag', None, False, 'print only the job id'),
    (('--max-retries',), 'max_retries', 'value', 'N', None,
     'retries after the first attempt (default: config max_retries)'),
    (('--timeout',), 'timeout', 'value', 'D', None,
     'kill the job after D (30s, 5m, 2h); default: config job_timeout'),
    (('--delay',), 'delay', 'value', 'D', None, 'do not start before D from now'),
    (('--at',), 'at', 'value', 'TIME', None, 'do not start before TIME: '
     'YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM] or HH:MM (the next such local time)'),
    (('--priority',), 'priority', 'value', 'N', '0', 'higher runs first (default: 0)'),
    (('--queue',), 'queue', 'value', 'NAME', DEFAULT_QUEUE, 'queue name (default: default)'),
    (('--after',), 'after', 'append', 'ID', None,
     'run only after job ID (id or key) completed; repeatable'),
    (('--key',), 'key', 'value', 'NAME', None,
     'unique key: if a job has it already, print that job\'s id instead of adding one '
     '(and warn if it was added with a different command or options)'),
    (('--replace',), 'replace', 'flag', None, False,
     'with --key: if that job exists with a different command or options and is not '
     'running, give it the new ones and run it again (history kept)'),
    (('--wait',), 'wait', 'flag', None, False,
     'then wait until the job finishes; exit 0 if it completed, 1 if not (as "wait")'),
    (('--cwd',), 'cwd', 'value', 'DIR', None, 'working directory (default: the current one)'),
    (('-e', '--env'), 'env', 'append', 'KEY=VALUE', None,
     'extra environment variable; repeatable'),
    (('-E', '--preserve-env'), 'preserve_env', 'flag', None, False,
     'run the job with this environment (the caller\'s), not the worker\'s; it is stored '
     'with the job'),
    (('--stdin',), 'stdin', 'flag', None, False,
     'read commands from stdin, one per line, in one transaction'),
    (('-f', '--file'), 'file', 'value', 'FILE', None,
     'read commands from FILE, one per line, in one transaction'),
    (('--db',), 'db', 'value', 'PATH', None, 'SQLite database file'),
)


def _add_options(p):
    for flags, dest, kind, metavar, default, help in ADD_OPTIONS:
        if dest == 'db':
            continue                    # every subcommand gets --db from its parent parser
        if kind == 'flag':
            p.add_argument(*flags, dest=dest, action='store_true', help=help)
        else:
            p.add_argument(*flags, dest=dest, metavar=metavar, help=help,
                           action='append' if kind == 'append' else 'store',
                           default=[] if kind == 'append' else default)


class _Args(object):
    """The attributes argparse would have set (for the fast add path)."""


def _fast_add_args(argv, index):
    """Parse a plain `add` command line without argparse; None if argparse must
    (help, errors, abbreviations, clustered flags, anything unusual)."""
    kinds = {}
    args = _Args()
    for flags, dest, kind, _, default, _ in ADD_OPTIONS:
        setattr(args, dest, [] if kind == 'append' else default)
        kinds.update((flag, (dest, kind)) for flag in flags)
    args.command, args.words = argv[index], []
    head = argv[:index]
    if head and (len(head) != 2 or head[0] != '--db'):
        return None
    if head:
        args.db = head[1]
    words_done = False
    rest = iter(argv[index + 1:])
    for word in rest:
        if not word.startswith('-') or word == '-':
            if words_done:              # argparse refuses words after options after words
                return None
            args.words.append(word)
            continue
        words_done = bool(args.words)
        name, eq, value = word.partition('=')
        dest, kind = kinds.get(name, (None, None))
        if dest is None or (kind == 'flag' and eq):
            return None
        if kind == 'flag':
            setattr(args, dest, True)
            continue
        value = value if eq else next(rest, None)
        if value is None or (not eq and value.startswith('-')):
            return None
        if kind == 'append':
            getattr(args, dest).append(value)
        else:
            setattr(args, dest, value)
    return args


def _build_add(add):
    p = add('add', 'queue a shell command',
            '  queuectl add "pg_dump mydb > /backup/db.sql"\n'
            '  queuectl add -- rsync -a "/data dir/" backup:/data   # an argument vector\n'
            '  id=$(queuectl add -q --max-retries 5 ./flaky.sh)\n'
            '  queuectl add --after "$id" --key deploy-42 "./deploy.sh"\n'
            '  seq 100 | sed "s/^/echo /" | queuectl add --stdin',
            aliases=('add-command',),
            description='Queue COMMAND to run via /bin/sh -c in a worker. One string is '
                        'stored as given; after "--", the words are an argument vector and '
                        'are stored shell-quoted.')
    if p:
        p.add_argument('words', nargs='*', metavar='COMMAND', help='the shell command')
        _add_options(p)


def _build_enqueue(add):
    p = add('enqueue', 'queue a job described as a JSON object',
            '  queuectl enqueue \'{"id": "job1", "command": "sleep 2"}\'\n'
            '  queuectl enqueue \'{"command": "make", "max_retries": 5, "queue": "build"}\'',
            description='Queue a job from a JSON object. "command" is required; "id" (or '
                        '"key") becomes the job\'s unique key; optional: max_retries, '
                        'timeout, delay, run_at/at, priority, queue, after, cwd, env.')
    if p:
        p.add_argument('json', metavar='JSON', help='the job as a JSON object')
        p.add_argument('-q', '--quiet', action='store_true', help='print only the job id')


def _build_list(add):
    p = add('list', 'list jobs (the newest 100 unless --limit)',
            '  queuectl list\n  queuectl list --status failed\n'
            '  queuectl list --queue emails --limit 0 --json', aliases=('list-jobs',))
    if p:
        p.add_argument('--status', '--state', dest='status', metavar='STATE', action='append',
                       help='only jobs in STATE (%s); repeatable' % ', '.join(STATES))
        p.add_argument('--queue', metavar='NAME', help='only jobs of this queue')
        p.add_argument('--limit', metavar='N', type=int, default=LIST_LIMIT,
                       help='show the newest N jobs; 0 = all (default: %d)' % LIST_LIMIT)
        _json_flag(p)


def _build_show(add):
    p = add('show', 'show everything about one job, with its attempt history',
            '  queuectl show 42\n  queuectl show deploy-42 --json', aliases=('info',))
    if p:
        p.add_argument('job', metavar='ID', help='job id or key')
        _json_flag(p)


def _build_logs(add):
    p = add('logs', 'print jobs\' captured output',
            '  queuectl logs 42\n  queuectl logs 42 -f\n  queuectl logs 42 --attempt 2\n'
            '  queuectl logs -f 42 43 deploy-7     # lines prefixed with [ID]\n'
            '  queuectl logs -f                    # every running job, and each that starts')
    if p:
        p.add_argument('jobs', nargs='*', metavar='ID',
                       help='job ids or keys (with -f and none: every job that runs)')
        p.add_argument('-f', '--follow', action='store_true',
                       help='keep printing output until the jobs finish; with several jobs, '
                            'or none, each line starts with [ID]')
        p.add_argument('--attempt', metavar='N', type=int,
                       help='only the raw output of attempt N')


def _build_status(add):
    p = add('status', 'show worker and job counts', '  queuectl status\n'
            '  queuectl status --json')
    if p:
        _json_flag(p)


def _worker_start_options(p):
    p.add_argument('--count', '-c', metavar='N',
                   help='worker processes, or auto = CPU count (default: config max_workers)')
    p.add_argument('--queue', metavar='NAME', action='append', default=[],
                   help='serve only this queue; repeatable (default: all queues)')
    p.add_argument('--burst', action='store_true',
                   help='exit when nothing is left to run (retries included)')
    p.add_argument('--detach', action='store_true',
                   help='run the pool in the background; its log goes beside the database. '
                        'If a detached pool already serves the same queues here, say so and '
                        'start nothing')
    p.add_argument('--another', action='store_true',
                   help='with --detach: start a pool even if one already serves the same '
                        'queues')


WORKER_START_EXAMPLES = ('  queuectl worker start --count 4\n'
                         '  queuectl worker start --burst          # drain the queue, exit\n'
                         '  queuectl worker start --detach --queue emails')


def _build_worker(add):
    p = add('worker', 'start, stop or list workers; print a service unit',
            WORKER_START_EXAMPLES + '\n  queuectl worker stop\n  queuectl worker list')
    if p:
        actions = p.add_subparsers(dest='action', metavar='ACTION')
        actions.required = True
        start = add('start', 'run a pool of worker processes', WORKER_START_EXAMPLES,
                    description='Run N worker processes (in the foreground unless --detach; '
                    'Ctrl+C stops them gracefully, a second Ctrl+C at once).', under=actions)
        _worker_start_options(start)
        stop = add('stop', 'stop this database\'s worker pools on this host, and wait',
                   '  queuectl worker stop\n  queuectl worker stop --now\n'
                   '  queuectl worker stop --timeout 5m\n  queuectl worker stop --all-hosts',
                   description='Signal the worker pools of this database on this host (with '
                   '--all-hosts: on every host) to stop (pools of other databases are left '
                   'alone), and wait until they are gone.', under=actions)
        stop.add_argument('--now', action='store_true',
                          help='kill running jobs and hand them back to pending')
        stop.add_argument('--all-hosts', action='store_true',
                          help='every pool of the queue, on any host (PostgreSQL)')
        stop.add_argument('--timeout', metavar='D',
                          help='after D, stop running jobs too (default: wait for them)')
        lst = add('list', 'show live pools and workers',
                  '  queuectl worker list\n  queuectl worker list --json', under=actions)
        _json_flag(lst)
        unit = add('unit', 'print a systemd unit that runs a pool as a service',
                   '  queuectl worker unit --count 4 > /etc/systemd/system/queuectl.service\n'
                   '  systemctl daemon-reload && systemctl enable --now queuectl\n'
                   '  queuectl worker unit --user > ~/.config/systemd/user/queuectl.service',
                   description='Print a systemd unit for this interpreter, this file, the '
                   'database in effect and its config: a foreground pool that a stop lets '
                   'finish its running jobs (KillMode=mixed), restarted if it fails.',
                   under=actions)
        unit.add_argument('--count', '-c', metavar='N',
                          help='worker processes, or auto (default: config max_workers)')
        unit.add_argument('--queue', metavar='NAME', action='append', default=[],
                          help='serve only this queue; repeatable (default: all queues)')
        unit.add_argument('--user', action='store_true',
                          help='a unit for systemctl --user (no User=, WantedBy=default.target)')
    for alias in ('start-workers', 'start-workers-cmd'):
        p = add(alias, 'same as "worker start"', WORKER_START_EXAMPLES)
        if p:
            _worker_start_options(p)
            p.set_defaults(action='start')


def _build_dlq(add):
    p = add('dlq', 'list or retry jobs in the dead letter queue',
            '  queuectl dlq list\n  queuectl dlq retry 42 43\n  queuectl dlq retry --all')
    if p:
        actions = p.add_subparsers(dest='action', metavar='ACTION')
        actions.required = True
        lst = add('list', 'jobs in the DLQ with their last error',
                  '  queuectl dlq list\n  queuectl dlq list --json', under=actions)
        _json_flag(lst)
        _dlq_retry_options(add('retry', 'move jobs back to pending with attempts reset',
                               '  queuectl dlq retry 42\n  queuectl dlq retry --all',
                               under=actions))
    p = add('show-dlq', 'same as "dlq list"', '  queuectl show-dlq')
    if p:
        _json_flag(p)
        p.set_defaults(action='list')
    p = add('retry-dlq', 'same as "dlq retry"', '  queuectl retry-dlq 42\n'
            '  queuectl retry-dlq --all')
    if p:
        _dlq_retry_options(p)
        p.set_defaults(action='retry')


def _dlq_retry_options(p):
    p.add_argument('jobs', nargs='*', metavar='ID', help='job ids or keys')
    p.add_argument('--all', action='store_true', help='every job in the DLQ')


def _build_cancel(add):
    p = add('cancel', 'cancel jobs (a running job\'s process group is killed)',
            '  queuectl cancel 42\n  queuectl cancel 42 43 deploy-7')
    if p:
        p.add_argument('jobs', nargs='+', metavar='ID', help='job ids or keys')


def _build_wait(add):
    p = add('wait', 'block until jobs finish; exit 0 only if all completed',
            '  queuectl wait 42 || echo "job 42 failed"\n'
            '  queuectl wait --all --timeout 10m')
    if p:
        p.add_argument('jobs', nargs='*', metavar='ID', help='job ids or keys')
        p.add_argument('--all', action='store_true', help='wait until no job is unfinished')
        p.add_argument('--timeout', metavar='D', help='give up after D (exit 124)')
        p.add_argument('-q', '--quiet', action='store_true', help='print nothing')


def _build_pause(add):
    for name, verb in (('pause', 'stop claiming from'), ('resume', 'resume claiming from')):
        p = add(name, 'workers %s a queue (every queue without QUEUE)' % verb,
                '  queuectl %s\n  queuectl %s emails' % (name, name))
        if p:
            p.add_argument('queue', nargs='?', metavar='QUEUE', help='queue name')


def _build_limit(add):
    p = add('limit', 'show or set how many jobs of a queue may run at once',
            '  queuectl limit apt 1        # one apt job at a time, across all pools\n'
            '  queuectl limit apt none     # no limit\n'
            '  queuectl limit apt\n  queuectl limit --json',
            description='At most N jobs of QUEUE run at once, across every worker pool on '
                        'the database; the limit is kept in the database. Without N, show '
                        'the limit of QUEUE; without QUEUE, every limit.')
    if p:
        p.add_argument('queue', nargs='?', metavar='QUEUE', help='queue name')
        p.add_argument('limit', nargs='?', metavar='N',
                       help='a number of jobs, or none to remove the limit')
        _json_flag(p)


def _build_requeue(add):
    p = add('requeue', 'run finished jobs again (completed, dead or cancelled)',
            '  queuectl requeue 42\n  queuectl requeue deploy-42 nightly-backup',
            description='Put completed, dead or cancelled jobs back to pending with '
                        'attempts reset, to run again; their history and logs are kept, and '
                        'jobs that went to the DLQ because of them come back too.')
    if p:
        p.add_argument('jobs', nargs='+', metavar='ID', help='job ids or keys')


def _build_prune(add):
    p = add('prune', 'delete finished jobs and their logs',
            '  queuectl prune                      # completed and cancelled jobs\n'
            '  queuectl prune --older-than 7d\n  queuectl prune --status dead')
    if p:
        p.add_argument('--older-than', metavar='D', help='only jobs finished more than D ago')
        p.add_argument('--status', '--state', dest='status', metavar='STATE', action='append',
                       help='completed, cancelled or dead; repeatable '
                            '(default: completed and cancelled)')


def _build_config(add):
    p = add('config', 'show or change settings',
            '  queuectl config list\n  queuectl config get max-retries\n'
            '  queuectl config set backoff_base 2\n  queuectl config unset backoff_base')
    if p:
        actions = p.add_subparsers(dest='action', metavar='ACTION')
        actions.required = True
        lst = add('list', 'every key, its value and where it came from',
                  '  queuectl config list\n  queuectl config list --json', aliases=('show',),
                  under=actions)
        _json_flag(lst)
        get = add('get', 'print one value (every value without KEY, as "config list")',
                  '  queuectl config get max-retries\n  queuectl config get', under=actions)
        get.add_argument('key', metavar='KEY', nargs='?')
        _json_flag(get)
        put = add('set', 'set a value in the config file (validated, written atomically)',
                  '  queuectl config set max_retries 5\n  queuectl config set backoff-max 10m',
                  under=actions)
        put.add_argument('key', metavar='KEY')
        put.add_argument('value', metavar='VALUE')
        unset = add('unset', 'remove a value from the config file',
                    '  queuectl config unset max_retries', under=actions)
        unset.add_argument('key', metavar='KEY')


def _build_top(add):
    p = add('top', 'a live view of queues, running jobs and recent results',
            '  queuectl top\n  queuectl top --once        # one snapshot, as text\n'
            '  NO_COLOR=1 queuectl top',
            description='A live, full-screen view refreshed every second: the status line, '
            'one row per queue, the running jobs and the latest results. Keys: q quit, tab '
            'switch pane, up/down select, p pause/resume the queue, c cancel the job, r retry '
            'the DLQ job, l show the job\'s log. Without a terminal it prints one snapshot.')
    if p:
        p.add_argument('--once', action='store_true', help='print one snapshot and exit')
        p.add_argument('--interval', metavar='D', default='1',
                       help='seconds between refreshes (default: 1)')


def _build_metrics(add):
    p = add('metrics', 'print metrics in the Prometheus text format',
            '  queuectl metrics\n'
            '  queuectl metrics --textfile /var/lib/node_exporter/textfile/queuectl.prom',
            description='Print gauges (jobs by queue and state, workers, pools, paused queues, '
            'oldest waiting job, DLQ size), counters kept in the database (prune does not '
            'reset them) and run and wait time histograms, in the Prometheus text format '
            '0.0.4.')
    if p:
        p.add_argument('--textfile', metavar='FILE',
                       help='write FILE atomically instead (node_exporter textfile collector)')


def _build_completion(add):
    import argparse
    p = add('completion', 'print a shell completion script',
            '  source <(queuectl completion bash)        # in ~/.bashrc\n'
            '  queuectl completion zsh > "${fpath[1]}/_queuectl"',
            description='Print a completion script for bash or zsh, generated from this '
            'command line parser: commands, options, queue names, job keys.')
    if p:
        p.add_argument('shell', nargs='?', metavar='SHELL', help='bash or zsh')
        p.add_argument('--names', choices=('queues', 'keys'), help=argparse.SUPPRESS)
        p.add_argument('--prefix', default='', help=argparse.SUPPRESS)


COMMAND_BUILDERS = (_build_add, _build_enqueue, _build_list, _build_show, _build_logs,
                    _build_status, _build_worker, _build_dlq, _build_requeue, _build_cancel,
                    _build_wait, _build_pause, _build_limit, _build_prune, _build_config,
                    _build_top, _build_metrics, _build_completion)

# Every name argparse knows a command by -> its handler's name.
COMMAND_ALIASES = {
    'add-command': 'add', 'list-jobs': 'list', 'info': 'show',
    'start-workers': 'worker', 'start-workers-cmd': 'worker',
    'show-dlq': 'dlq', 'retry-dlq': 'dlq',
}


class Context(object):
    """What a command needs, loaded on first use: config, database, output streams."""

    def __init__(self, args, out, err, env):
        self.args = args
        self.out = out
        self.err = err
        self.env = env
        self._config = None
        self._store = None
        self._logs_dir = None

    @property
    def config(self):
        if self._config is None:
            self._config = Config(self.env)
        return self._config

    @property
    def db_path(self):
        return resolve_db_path(getattr(self.args, 'db', None), self.config)

    def store(self, durable=False, create=False):
        """The database, opened once per command. Only commands that add work
        (create=True) create it; the others read a missing one as empty."""
        if self._store is None:
            self._store = Store(self.db_path, durable=durable, create=create)
        return self._store

    def close(self):
        if self._store is not None:
            self._store.close()
            self._store = None

    def store_for_adding(self):
        """The database, created if need be, for a command that queues jobs."""
        check_db_permissions(self.db_path, adding=True)
        return self.store(durable=True, create=True)

    def logs_dir(self):
        """This database's folder of job logs."""
        if self._logs_dir is None:
            self._logs_dir = job_logs_dir(self.db_path, self.store().instance(), self.env)
        return self._logs_dir

    def say(self, text):
        self.out.write(text + '\n')

    def warn(self, text):
        self.err.write('queuectl: warning: %s\n' % text)

    def error(self, exc):
        """Report one failed item of a command that goes on with the others."""
        self.err.write('queuectl: error: %s\n' % exc)


# -- add / enqueue ------------------------------------------------------

ENV_NAME_CHARS = frozenset('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'
                           '0123456789_')
QUEUE_NAME_CHARS = ENV_NAME_CHARS | frozenset('.-')


def check_queue_name(name, where='--queue'):
    if not name or not set(name) <= QUEUE_NAME_CHARS or len(name) > 64:
        raise UsageError('%s: names use letters, digits, ".", "_" and "-", got %r'
                         % (where, name))
    return name


def _check_text(text, where):
    """Refuse text SQLite and the shell cannot carry: NUL bytes, undecodable bytes."""
    if '\0' in text:
        raise UsageError('%s contains a NUL byte' % where)
    try:
        text.encode('utf-8')
    except UnicodeEncodeError:
        raise UsageError('%s is not valid UTF-8' % where)
    return text


def _check_command(command, where='command'):
    if not command.strip():
        raise UsageError('%s is empty' % where)
    return _check_text(command, where)


def parse_at(text, now):
    """Epoch seconds for YYYY-MM-DDTHH:MM[:SS][Z|±HH:MM] (local unless zoned) or HH:MM."""
    import re
    text = text.strip()
    match = re.match(r'^(\d{1,2}):(\d{2})$', text)
    if match:
        hour, minute = int(match.group(1)), int(match.group(2))
        if hour > 23 or minute > 59:
            raise UsageError('--at: no such time of day: %r' % text)
        today = time.localtime(now)
        for days in (0, 1, 2):
            candidate = time.mktime((today.tm_year, today.tm_mon, today.tm_mday + days,
                                     hour, minute, 0, 0, 0, -1))
            if candidate > now:
                return candidate
    match = re.match(r'^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?'
                     r'(Z|[+-]\d{2}:?\d{2})?$', text)
    if not match:
        raise UsageError('--at: expected YYYY-MM-DDTHH:MM[:SS] (optionally with Z or +HH:MM) '
                         'or HH:MM, got %r' % text)
    parts = [int(p or 0) for p in match.groups()[:6]]
    try:
        import calendar
        import datetime
        datetime.datetime(*parts)
    except ValueError as exc:
        raise UsageError('--at: %s in %r' % (exc, text))
    zone = match.group(7)
    if zone is None:
        return time.mktime(tuple(parts) + (0, 0, -1))
    stamp = calendar.timegm(tuple(parts) + (0, 0, 0))
    if zone != 'Z':
        sign = -1 if zone[0] == '-' else 1
        digits = zone[1:].replace(':', '')
        stamp -= sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
    return stamp


def _parse_env_pairs(pairs):
    env = {}
    for pair in pairs or ():
        name, sep, value = pair.partition('=')
        if not sep:
            raise UsageError('--env: expected KEY=VALUE, got %r' % pair)
        env[name] = value
    return _check_env(env, '--env')


def _check_env(env, where):
    """Refuse variable names a shell cannot use and values that cannot be passed."""
    for name, value in env.items():
        if not name or name[0].isdigit() or not set(name) <= ENV_NAME_CHARS:
            raise UsageError('%s: %r is not a valid variable name' % (where, name))
        if not isinstance(value, str):
            raise UsageError('%s: the value of %s must be a string' % (where, name))
        _check_text(value, '%s value of %s' % (where, name))
    return env


def build_spec(opts, config, now, cwd=None):
    """A job spec (dict) from add options; validates every field."""
    get = opts.get
    max_retries = config['max_retries']
    if get('max_retries') is not None:
        max_retries = _number_parser(int, 0, 1000)('--max-retries', get('max_retries'))
    queue = check_queue_name(str(get('queue') or DEFAULT_QUEUE))
    run_at = now
    if get('delay') is not None:
        run_at = now + parse_duration(get('delay'), '--delay')
    if get('at') is not None:
        if get('delay') is not None:
            raise UsageError('--at and --delay cannot be used together')
        run_at = parse_at(str(get('at')), now)
    timeout = None                      # None: config job_timeout; 0: no limit
    if get('timeout') is not None:
        timeout = parse_duration(get('timeout'), '--timeout')
    key = get('key')
    if key is not None:
        key = _check_text(str(key), '--key')
        if not key.strip() or key.isdecimal() or escape_text(key) != key:
            raise UsageError('--key: expected a name that is not a number and has no control '
                             'characters, got %r' % key)
    env = _check_env(get('env'), 'env') if isinstance(get('env'), dict) else \
        _parse_env_pairs(get('env'))
    if get('replace') and key is None:
        raise UsageError('--replace replaces the job with the same --key; give --key')
    # Defaults that depend on where and how add runs are not compared with an
    # existing keyed job (a script run from another folder changes nothing).
    implicit = tuple(name for name, given in (('cwd', get('cwd') or cwd),
                                              ('max_retries', get('max_retries')))
                     if given is None)
    return {'command': get('command'), 'key': key, 'queue': queue,
            'priority': _number_parser(int, -1000000, 1000000)('--priority',
                                                                get('priority') or 0),
            'max_retries': max_retries, 'run_at': run_at, 'timeout': timeout,
            'cwd': _work_dir(get('cwd') or cwd), 'env': env,
            'base_env': _captured_env(get('caller_env')),
            'after': [str(a) for a in get('after') or ()], 'replace': get('replace'),
            'implicit': implicit}


def _work_dir(given):
    """The job's working directory: --cwd, or the current one; it must exist and
    its name must be UTF-8 (the database stores text)."""
    path = os.path.abspath(given or _current_dir())
    if not os.path.isdir(path):
        raise UsageError('--cwd: %s is not a folder' % shell_text(path))
    try:
        path.encode('utf-8')
    except UnicodeEncodeError:
        raise UsageError('%s %s is not a UTF-8 name, which the database cannot store%s'
                         % ('--cwd:' if given else 'the current folder', shell_text(path),
                            '' if given else '; pass --cwd DIR'))
    return path


def _captured_env(env):
    """The caller's environment for `add -E`, as JSON (None without -E)."""
    if env is None:
        return None
    for name, value in env.items():
        for text in (name, value):
            try:
                _check_text(text, '')
            except UsageError:
                raise UsageError('-E: the variable %s is not valid UTF-8 text; unset it, or '
                                 'pass what the job needs with -e' % shell_text(name))
    return _json_dump(dict(env))


def _current_dir():
    try:
        return os.getcwd()
    except OSError:
        raise UsageError('the current folder no longer exists; pass --cwd')


def _command_from_words(ctx, words, vector):
    if vector is not None and words:
        raise UsageError('give the command as one string or after "--", not both')
    if vector is not None:
        return _check_command(shell_join(vector))
    if not words:
        raise UsageError('no command given; usage: queuectl add "CMD" or '
                         'queuectl add -- PROG ARGS...')
    command = _check_command(' '.join(words))
    if len(words) > 1 and any(c.isspace() or c in '\'"' for w in words for c in w):
        ctx.warn('stored the command as: %s (the words are joined with spaces; the shell '
                 'will read the spaces and quotes within them); to keep each argument '
                 'whole, run: queuectl add -- %s' % (escape_text(command),
                                                     escape_text(shell_join(words))))
    return command


def shell_join(words):
    import shlex
    return ' '.join(shlex.quote(w) for w in words)


def _read_batch(args, ctx):
    if args.file == '-' or args.stdin:
        data = sys.stdin.buffer.read() if hasattr(sys.stdin, 'buffer') else \
            sys.stdin.read().encode()
        source = 'stdin'
    else:
        try:
            with open(args.file, 'rb') as handle:
                data = handle.read()
        except OSError as exc:
            raise UsageError('-f: cannot read %s: %s' % (shell_text(args.file),
                                                         _os_reason(exc)))
        source = shell_text(args.file)
    try:
        text = data.decode('utf-8')
    except UnicodeDecodeError as exc:
        raise UsageError('%s line %d is not UTF-8 text'
                         % (source, data[:exc.start].count(b'\n') + 1))
    if '\0' in text:
        number = text[:text.index('\0')].count('\n') + 1
        raise UsageError('%s line %d contains a NUL byte' % (source, number))
    # '\n' only: str.splitlines() would also split on \f, \v, \x1c-\x1e, U+2028 ...
    lines = (line[:-1] if line.endswith('\r') else line for line in text.split('\n'))
    commands = [line for line in lines if line.strip()]
    if not commands:
        raise UsageError('no commands in %s' % source)
    return commands


def cmd_add(args, ctx):
    now = time.time()
    batch = args.stdin or args.file
    if batch and (args.words or args.vector is not None):
        raise UsageError('give either a command or --stdin/-f, not both')
    if args.stdin and args.file:
        raise UsageError('give --stdin or -f FILE, not both')
    if batch and args.key:
        raise UsageError('--key names one job; it cannot be used with --stdin/-f')
    opts = dict(vars(args), caller_env=ctx.env if args.preserve_env else None)
    if not batch:
        opts['command'] = _command_from_words(ctx, args.words, args.vector)
        return _enqueue_one(ctx, build_spec(opts, ctx.config, now), args.quiet, args.wait,
                            at=args.at)
    commands = _read_batch(args, ctx)
    template = build_spec(dict(opts, command='true'), ctx.config, now)
    store = ctx.store_for_adding()
    template = _on_db_clock(store, template, args.at)
    now += store.skew
    if template['after']:
        results = store.add_jobs([dict(template, command=c) for c in commands], now)
        ids = [job_id for job_id, _, _ in results]
        doomed = [reason for _, _, reason in results if reason]
        if doomed:
            ctx.warn('%d job%s went straight to the DLQ: %s' % (
                len(doomed), '' if len(doomed) == 1 else 's', doomed[0]))
    else:
        ids = store.add_many(template, commands, now)
    wake_idle_pools(store)
    if args.quiet:
        ctx.say('\n'.join(str(i) for i in ids))
    else:
        ctx.say('Added %d jobs: %d-%d' % (len(ids), ids[0], ids[-1]))
    return wait_for_jobs(ctx, store, ids, quiet=args.quiet) if args.wait else EXIT_OK


def _on_db_clock(store, spec, at):
    """A spec built on this host's clock, moved onto the database's (PostgreSQL:
    the server's, which every host shares); an --at time stays as given."""
    if store.skew and at is None:
        spec = dict(spec, run_at=spec['run_at'] + store.skew)
    return spec


# What `add` calls the fields of a job that differ from an existing job's.
SPEC_FIELD_NAMES = {'max_retries': 'max retries', 'cwd': 'working directory',
                    'env': 'environment (-e)', 'after': 'dependencies (--after)'}


def _enqueue_one(ctx, spec, quiet, wait=False, mention_key=False, at=None):
    """Add one job and say so; with wait, then wait for it as `wait` does. at:
    the --at given, if any (a time that is not moved to the database's clock)."""
    store = ctx.store_for_adding()
    spec = _on_db_clock(store, spec, at)
    [(job_id, outcome, detail)] = store.add_jobs([spec], store.now())
    key = escape_text(spec['key'] or '')
    if outcome in ('exists', 'differs'):
        if outcome == 'differs':
            ctx.warn('job %d (key %s) exists with a different %s; it was left as it is (add '
                     '--replace to apply the change)' % (job_id, key, ', '.join(
                         SPEC_FIELD_NAMES.get(f, f) for f in detail)))
        ctx.say(str(job_id) if quiet else 'Job with key %s already exists: ID %d'
                % (key, job_id))
    else:
        if detail:
            ctx.warn('job %d went straight to the DLQ: %s' % (job_id, detail))
        else:
            wake_idle_pools(store)
        if quiet:
            ctx.say(str(job_id))
        elif outcome == 'replaced':
            ctx.say('Replaced job with key %s: ID %d, pending again' % (key, job_id))
        else:
            ctx.say('Added job with ID: %d' % job_id)       # the spec's line, as add's
            if mention_key and key:
                ctx.say('Key: %s' % key)
    return wait_for_jobs(ctx, store, [job_id], quiet=quiet) if wait else EXIT_OK


# enqueue JSON fields -> the types they accept (bool is refused where int is meant)
ENQUEUE_FIELDS = (
    ('command', str), ('id', str), ('key', str), ('max_retries', int),
    ('timeout', (int, float, str)), ('delay', (int, float, str)), ('run_at', str),
    ('at', str), ('priority', int), ('queue', str), ('after', (list, int, str)),
    ('depends_on', (list, int, str)), ('cwd', str), ('env', dict),
    # accepted for compatibility with the original queuectl JSON:
    ('state', str), ('attempts', int), ('created_at', str), ('updated_at', str),
)
# add's flags as they appear in messages -> the JSON field they come from
ENQUEUE_FLAG_NAMES = (('--max-retries', 'max_retries'), ('--timeout', 'timeout'),
                      ('--delay', 'delay'), ('--at', 'at'), ('--priority', 'priority'),
                      ('--queue', 'queue'), ('--key', 'id'), ('--cwd', 'cwd'))


def _enqueue_fields(text):
    """The JSON object of `enqueue`, with every field's type checked."""
    import json
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise UsageError('JSON: %s' % exc)
    if not isinstance(data, dict):
        raise UsageError('JSON: expected an object such as {"command": "echo hi"}')
    types = dict(ENQUEUE_FIELDS)
    unknown = sorted(set(data) - set(types))
    if unknown:
        raise UsageError('JSON: unknown field %s; valid fields: %s'
                         % (', '.join(unknown), ', '.join(name for name, _ in ENQUEUE_FIELDS)))
    for name, value in data.items():
        if value is not None and (isinstance(value, bool) or
                                  not isinstance(value, types[name])):
            raise UsageError('JSON: "%s" has the wrong type (%s)'
                             % (name, type(value).__name__))
    if 'command' not in data:
        raise UsageError('JSON: "command" is required')
    if data.get('state', 'pending') != 'pending' or data.get('attempts', 0) not in (0, None):
        raise UsageError('JSON: a new job starts as state "pending" with 0 attempts')
    if data.get('id') is not None and data.get('key') is not None:
        raise UsageError('JSON: give "id" or "key", not both')
    return data


def cmd_enqueue(args, ctx):
    data = _enqueue_fields(args.json)
    after = data.get('after', data.get('depends_on')) or []
    opts = {'command': _check_command(data['command'], 'JSON: "command"'),
            'key': data.get('id', data.get('key')), 'max_retries': data.get('max_retries'),
            'timeout': data.get('timeout'), 'delay': data.get('delay'),
            'at': data.get('at', data.get('run_at')), 'priority': data.get('priority', 0),
            'queue': data.get('queue'), 'after': after if isinstance(after, list) else [after],
            'cwd': data.get('cwd'), 'env': data.get('env') or {}}
    try:
        spec = build_spec(opts, ctx.config, time.time())
    except UsageError as exc:                  # name the JSON field, not the add flag
        message = str(exc)
        for flag, field in ENQUEUE_FLAG_NAMES:
            if message.startswith(flag + ':'):
                message = '"%s"%s' % (field, message[len(flag):])
        raise UsageError('JSON: ' + message)
    return _enqueue_one(ctx, spec, args.quiet, mention_key=True, at=opts['at'])


# -- reading ------------------------------------------------------------

def _check_states(states, allowed=STATES):
    for state in states or ():
        if state not in allowed:
            raise UsageError('--status: expected one of %s, got %r'
                             % (', '.join(allowed), state))


def cmd_list(args, ctx):
    _check_states(args.status)
    if not 0 <= args.limit < 2 ** 63:
        raise UsageError('--limit: must be 0 (all) or more, got %d' % args.limit)
    store = ctx.store()
    jobs, more = store.list_jobs(args.status, args.queue, args.limit)
    if args.json:
        ctx.say(json_text([job_to_dict(j) for j in jobs]))
        return EXIT_OK
    if not jobs:
        ctx.say('No jobs.' if not (args.status or args.queue) else 'No matching jobs.')
        return EXIT_OK
    ctx.say(jobs_table(jobs, store.now(), output_width(ctx)))
    if more:
        ctx.say('... %d older job%s not shown (use --limit 0 for all)'
                % (more, '' if more == 1 else 's'))
    return EXIT_OK


def cmd_show(args, ctx):
    store = ctx.store()
    job = store.job_detail(args.job)
    if args.json:
        ctx.say(json_text(job_to_dict(job, with_history=True)))
    else:
        ctx.say(job_detail_text(job, store.now()))
    return EXIT_OK


def cmd_status(args, ctx):
    store = ctx.store()
    count_rows, pauses, worker_rows, limits = store.status_snapshot()
    now = store.now()
    active = len(live_workers(worker_rows, now, ctx.config['lease_seconds']))
    totals, queues = status_counts(count_rows)
    if args.json:
        queue_data = {}
        for name in sorted(set(queues) | set(q for q in pauses if q != '*')):
            entry = dict(queues.get(name, dict((s, 0) for s in STATES)))
            entry['paused'] = queue_is_paused(name, pauses)
            entry['limit'] = limits.get(name)
            queue_data[name] = entry
        jobs = dict(totals)
        jobs['total'] = sum(totals.values())
        ctx.say(json_text({'workers': active, 'jobs': jobs, 'queues': queue_data,
                    'all_paused': pauses.get('*') == 1}))
    else:
        ctx.say(status_text(active, totals, queues, pauses, limits))
    return EXIT_OK


def _write_bytes(ctx, data):
    ctx.out.flush()
    buffer = getattr(ctx.out, 'buffer', None)
    if buffer is not None:
        buffer.write(data)
        buffer.flush()
    else:
        ctx.out.write(data.decode('utf-8', 'replace'))


def _read_log(ctx, job, run, offset=0):
    """The bytes of one attempt's log from offset on (b'' if it printed nothing):
    its file, or on PostgreSQL what its pool shipped to the database."""
    store = ctx.store()
    if store.shared:
        return store.read_output(run['run_id'], offset)
    path = log_file_path(ctx.logs_dir(), job['id'], run['run_id'])
    try:
        with open(path, 'rb') as handle:
            handle.seek(offset)
            return handle.read()
    except FileNotFoundError:
        return b''
    except OSError as exc:
        raise QueueError('cannot read %s: %s' % (path, _os_reason(exc)))


def cmd_logs(args, ctx):
    store = ctx.store()
    if args.attempt is not None and len(args.jobs) != 1:
        raise UsageError('--attempt needs exactly one job')
    if args.attempt is not None and args.follow:
        raise UsageError('-f follows every attempt as it comes; --attempt prints one that '
                         'was: give one of them')
    if not args.jobs and not args.follow:
        raise UsageError('give a job id or key (or -f alone to follow every job that runs)')
    if args.follow:
        ids = [store.job_id(ref) for ref in args.jobs]
        return _follow_logs(ctx, store, ids or None, prefix=len(ids) != 1)
    jobs = [store.job_detail(ref) for ref in args.jobs]
    if args.attempt is not None:
        job = jobs[0]
        runs = [r for r in job['history'] if r['attempt'] == args.attempt]
        if not runs:
            raise QueueError('job %d has no attempt %d' % (job['id'], args.attempt))
        _write_bytes(ctx, _read_log(ctx, job, runs[-1]))
        return EXIT_OK
    for job in jobs:
        if not job['history']:
            ctx.say('job %d has not run yet (%s)' % (job['id'], job['state']))
        for run in job['history']:
            _print_run(ctx, job, run, _read_log(ctx, job, run))
    return EXIT_OK


def _print_run(ctx, job, run, data, header=True, trailer=True):
    if header:
        ctx.out.write(run_header(job, run))
    if data:
        _write_bytes(ctx, data if data.endswith(b'\n') or not trailer else data + b'\n')
    if trailer:
        ctx.out.write(run_trailer(run))
    ctx.out.flush()


class LogFollower(object):
    """Prints one job's attempts (from run id first_run on) as they grow. With
    prefix, every line starts with [ID], and a line is printed once complete."""

    def __init__(self, job_id, prefix, first_run=0):
        self.job_id = job_id
        self.prefix = ('[%d] ' % job_id).encode() if prefix else None
        self.first_run = first_run
        self.shown = {}             # run id -> bytes printed
        self.closed = set()
        self.partial = b''
        self.finished = False       # the job is in a final state
        self.idle = False           # no attempt of it is running

    def poll(self, ctx, store):
        job = store.job_detail(str(self.job_id))
        for run in job['history']:
            if run['run_id'] < self.first_run or run['run_id'] in self.closed:
                continue
            done = self.shown.get(run['run_id'])
            data = _read_log(ctx, job, run, done or 0)
            ended = run['finished_at'] is not None
            self._print(ctx, job, run, data, done is None, ended)
            self.shown[run['run_id']] = (done or 0) + len(data)
            if ended:
                self.closed.add(run['run_id'])
        self.finished = job['state'] in FINISHED_STATES
        self.idle = job['state'] != 'processing' and all(
            r['run_id'] in self.closed for r in job['history'] if r['run_id'] >= self.first_run)

    def _print(self, ctx, job, run, data, header, trailer):
        if self.prefix is None:
            _print_run(ctx, job, run, data, header, trailer)
            return
        lines = (self.partial + data).split(b'\n')
        self.partial = lines.pop()
        if trailer and self.partial:
            lines.append(self.partial)
            self.partial = b''
        if header:
            lines.insert(0, run_header(job, run).rstrip('\n').encode())
        if trailer:
            lines.append(run_trailer(run).rstrip('\n').encode())
        if lines:
            _write_bytes(ctx, b''.join(self.prefix + line + b'\n' for line in lines))


def _follow_logs(ctx, store, ids, prefix):
    """Print jobs' attempts as they happen, until every job is in a final state.
    ids None: every job running now and every attempt that starts later, until
    interrupted (found through the runs table, so short jobs are not missed).

    On PostgreSQL pools on many hosts claim side by side, so a run can commit
    after one with a higher id: runs are looked for from the newest id seen
    RUN_COMMIT_LAG seconds ago, each followed once."""
    followers = {}
    followed = set()            # run ids found (since `low`)
    marks = []                  # (monotonic time, newest run id then)
    lag = RUN_COMMIT_LAG if store.shared else 0.0
    if ids is None:
        low, running = store.runs_since(None)
        for job_id, run_id in running:
            followers[job_id] = LogFollower(job_id, prefix, run_id or 0)
            followed.add(run_id)
    else:
        followers = dict((job_id, LogFollower(job_id, prefix)) for job_id in ids)
    while True:
        if ids is None:
            newest, started = store.runs_since(low)
            for job_id, run_id in started:
                if run_id not in followed:
                    followed.add(run_id)
                    followers.setdefault(job_id, LogFollower(job_id, prefix, run_id))
            now = time.monotonic()
            marks.append((now, newest))
            while len(marks) > 1 and marks[1][0] <= now - lag:
                marks.pop(0)
            low = marks[0][1]
            followed = set(r for r in followed if r > low)
        for job_id, follower in sorted(followers.items()):
            try:
                follower.poll(ctx, store)
            except JobNotFound:                     # pruned meanwhile
                if not prefix:
                    raise
                follower.finished = follower.idle = True
            if ids is None and follower.idle:
                del followers[job_id]
        if ids is not None and all(f.finished for f in followers.values()):
            return EXIT_OK
        time.sleep(CLIENT_POLL * 2)


# -- workers ------------------------------------------------------------

def cmd_worker(args, ctx):
    if args.action == 'start':
        return _worker_start(args, ctx)
    if args.action == 'stop':
        return _worker_stop(args, ctx)
    if args.action == 'unit':
        return _worker_unit(args, ctx)
    return _worker_list(args, ctx)


def _worker_start(args, ctx):
    count = ctx.config.worker_count(None if args.count is None else
                                    _parse_workers('--count', args.count))
    for queue in args.queue:
        check_queue_name(queue)
    if args.burst and args.detach:
        raise UsageError('--burst and --detach cannot be used together')
    if args.another and not args.detach:
        raise UsageError('--another goes with --detach')
    db_path = ctx.db_path
    with Store(db_path) as store:             # create or migrate before any fork
        instance = store.instance()
    warning = check_db_safety(db_path, ctx.config.path)
    if warning:
        ctx.warn(warning)
    settings = settings_from_config(ctx.config, db_path, args.queue, args.burst, instance)
    if args.detach:
        return _start_detached(ctx, settings, count, args.another)

    def started(n):
        ctx.say(started_line(n))
        ctx.out.flush()
    return run_pool(settings, count, on_started=started)


def started_line(count):
    return 'Started %d worker process%s' % (count, '' if count == 1 else 'es')


def _start_detached(ctx, settings, count, another):
    """Start a pool in the background, unless one already serves the same queues of
    this database on this host (a script run twice): then say so and succeed.
    Starters take turns on a lock of the pool log until their pool registered."""
    import fcntl
    if is_postgres_url(settings.db_path):     # beside this host's folder of job logs
        log_path = pool_log_path(logs_dir_for(settings.db_path, ctx.env))
        ensure_private_dir(os.path.dirname(log_path))
    else:
        log_path = pool_log_path(settings.db_path)
    lock = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        running = None if another else _detached_pool_serving(ctx, settings.queues)
        if running is None:
            return _fork_detached(ctx, settings, count, log_path)
        pool, workers = running
        ctx.say('Pool %d already runs in the background for %s of this database (%d worker%s); '
                'not starting another (--another starts one anyway)'
                % (pool['pid'], describe_queues(settings.queues), workers,
                   '' if workers == 1 else 's'))
        return EXIT_OK
    finally:
        os.close(lock)


def _detached_pool_serving(ctx, queues):
    """(pool row, live workers) of a live detached pool on this host that serves
    exactly `queues` (() = every queue), or None."""
    lease = ctx.config['lease_seconds']
    store = ctx.store()
    rows, now = store.workers(), store.now()
    for pool in _live_pools(rows, now, lease):
        served = set(pool['queues'].split(',')) if pool['queues'] else set()
        if pool['detached'] and served == set(queues):
            workers = [r for r in live_workers(rows, now, lease)
                       if r['pool_pid'] == pool['pid'] and r['host'] == pool['host']]
            return pool, len(workers)
    return None


def _fork_detached(ctx, settings, count, log_path):
    ctx.close()                     # no database connection may cross a fork
    ctx.out.flush()
    ctx.err.flush()
    pid = start_detached_pool(settings, count, log_path)
    store = ctx.store()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            raise QueueError('the worker pool exited during start-up; see %s' % log_path)
        rows = [r for r in store.workers() if r['pool_pid'] == pid and r['host'] == this_host()]
        if len(rows) >= count:
            ctx.say(started_line(count))
            ctx.say('Pool %d runs in the background; log: %s' % (pid, log_path))
            return EXIT_OK
        time.sleep(CLIENT_POLL / 2)
    raise QueueError('workers did not register within 30s; see %s' % log_path)


def _live_pools(rows, now, lease, every_host=False):
    """The live pools on this host (every_host: on every host) among worker rows."""
    host = this_host()
    return [r for r in live_workers(rows, now, lease, role='pool')
            if every_host or r['host'] == host]


def _worker_stop(args, ctx):
    """Signal this host's pools; ask those of other hosts through the database
    (PostgreSQL: a stop request and a NOTIFY). Wait until all are gone."""
    import signal
    timeout = parse_duration(args.timeout, '--timeout') if args.timeout else None
    store = ctx.store()
    lease = ctx.config['lease_seconds']
    pools = _live_pools(store.workers(), store.now(), lease, args.all_hosts)
    if not pools:
        ctx.say('No worker pools of this database running%s.'
                % ('' if args.all_hosts else ' on this host'))
        return EXIT_OK
    # SQLite: every pool runs on this machine, whatever host name it took.
    remote = [p for p in pools if p['host'] != this_host()] if store.shared else []
    local = [p for p in pools if p not in remote]

    def stop(kind):
        for pool in local:
            try:
                os.kill(pool['pid'], signal.SIGUSR2 if kind == STOP_COLD else signal.SIGTERM)
            except PermissionError:
                raise QueueError('cannot signal pool %d: it runs as another user (stop it as '
                                 'that user, or as root)' % pool['pid'])
            except OSError:                     # it exited meanwhile
                pass
        if remote:
            store.request_stop([p['id'] for p in remote], kind)
    stop(STOP_COLD if args.now else STOP_WARM)
    deadline = time.monotonic() + timeout if timeout else None
    escalated = args.now
    while True:
        local = [p for p in local if pid_alive(p['pid'], p['proc_start'])]
        if remote:
            time.sleep(CLIENT_POLL * 3)         # a query each time: not as often
            alive = set(p['id'] for p in _live_pools(store.workers(), store.now(), lease,
                                                     True))
            remote = [p for p in remote if p['id'] in alive]
        if not local and not remote:
            break
        if not escalated and deadline and time.monotonic() >= deadline:
            escalated = True
            stop(STOP_COLD)
        time.sleep(CLIENT_POLL)
    ctx.say('Stopped %d worker pool%s.' % (len(pools), '' if len(pools) == 1 else 's'))
    return EXIT_OK


def _worker_list(args, ctx):
    store = ctx.store()
    rows = store.workers()
    now = store.now()
    lease = ctx.config['lease_seconds']
    host = this_host()
    rows = [r for r in rows if registration_alive(r, host, now, lease)]
    if args.json:
        ctx.say(json_text([{'pid': r['pid'], 'role': r['role'], 'host': r['host'],
                     'pool_pid': r['pool_pid'], 'queues': r['queues'].split(',')
                     if r['queues'] else None, 'detached': bool(r['detached']),
                     'started_at': format_iso(r['started_at']),
                     'heartbeat': format_iso(r['heartbeat']), 'job': r['job_id']}
                    for r in rows]))
    elif not rows:
        ctx.say('No live workers.')
    else:
        ctx.say(workers_table(rows, now))
    return EXIT_OK


def _worker_unit(args, ctx):
    """Print a systemd unit that runs this pool (see systemd_unit)."""
    import math
    argv = [sys.executable, os.path.realpath(__file__), '--db', ctx.db_path, 'worker', 'start']
    if args.count is not None:
        argv += ['--count', str(_parse_workers('--count', args.count))]
    for queue in args.queue:
        argv += ['--queue', check_queue_name(queue)]
    config = ctx.config
    settings = set(ENV_PREFIX + key.upper() for key in CONFIG_SPECS) | {ENV_HOSTNAME}
    env = [(ENV_CONFIG, config.path)] + sorted(     # not a job's own QUEUECTL_JOB_ID ...
        (k, v) for k, v in ctx.env.items() if k in settings and v and k != 'QUEUECTL_DB_PATH')
    env += [(k, ctx.env[k]) for k in ('PATH', 'LANG') if ctx.env.get(k)]
    grace = config['shutdown_grace']
    stop_timeout = int(math.ceil(grace + config['kill_grace'] + 30)) if grace else None
    user = None
    if not args.user and os.geteuid() != 0:
        import pwd
        user = pwd.getpwuid(os.geteuid()).pw_name
    if mask_url(ctx.db_path) != ctx.db_path:
        ctx.warn('the unit holds the database password (in ExecStart): keep its file 0600, '
                 'or leave the password out of the URL and put it in ~/.pgpass')
    ctx.out.write(systemd_unit(argv, env, user, stop_timeout, ctx.db_path, args.user))
    return EXIT_OK


# -- operating: metrics, top, completion ---------------------------------

def cmd_metrics(args, ctx):
    store = ctx.store()
    now = store.now()
    counts, pauses, rows, oldest, metric_rows = store.metrics_snapshot(now)
    lease = ctx.config['lease_seconds']
    text = metrics_text(counts, pauses, len(live_workers(rows, now, lease)),
                        len(live_workers(rows, now, lease, role='pool')), oldest, metric_rows,
                        now)
    if not args.textfile:
        ctx.out.write(text)
        return EXIT_OK
    if not args.textfile.endswith('.prom'):
        ctx.warn('node_exporter\'s textfile collector reads only files named *.prom')
    write_textfile(args.textfile, text)
    return EXIT_OK


class TopView(object):
    """What a `top` screen shows and which row is selected; its keys' actions.

    Recent results are the newest attempts in the runs table plus, from the
    second refresh on, every attempt of a job seen running before: a long job
    that ends shows up even if many short ones started after it.
    """
    PANES = ('Queues', 'Running', 'Recent')

    def __init__(self, ctx, store):
        self.ctx = ctx
        self.store = store
        self.snap = None
        self.now = store.now()
        self.recent = {}                # run id -> run
        self.focus = 0
        self.selected = [0, 0, 0]
        self.message = ''
        self.confirm = None             # job id waiting for "y" to be cancelled

    def refresh(self):
        self.now = self.store.now()
        ended = [j['id'] for j in self.snap['running']] if self.snap else []
        self.snap = self.store.top_snapshot(self.now, ended=ended)
        for run in self.snap['recent']:
            self.recent[run['run_id']] = run
        newest = sorted(self.recent.values(), key=lambda r: (-r['finished_at'], -r['run_id']))
        self.recent = dict((r['run_id'], r) for r in newest[:TOP_RECENT])
        for pane, rows in enumerate(self.items()):
            self.selected[pane] = max(0, min(self.selected[pane], len(rows) - 1))

    def items(self):
        """The selectable things of each pane: queue names, running jobs, runs."""
        return (sorted(self.snap['queues']), self.snap['running'],
                sorted(self.recent.values(), key=lambda r: (-r['finished_at'], -r['run_id'])))

    def lines(self, width, height=None, footer=True):
        lease = self.ctx.config['lease_seconds']
        workers = len(live_workers(self.snap['workers'], self.now, lease))
        pools = len(live_workers(self.snap['workers'], self.now, lease, role='pool'))
        queues, running, recent = self.items()
        panes = list(zip(self.PANES, (top_queue_rows(self.snap, self.now),
                                      top_running_rows(running, self.now),
                                      top_recent_rows(recent))))
        title = 'queuectl top  %s  %s' % (escape_text(mask_url(self.ctx.db_path)),
                                          format_local(self.now))
        return top_lines(title, top_status_line(self.snap, workers, pools), panes, width,
                         height, self.focus if footer else None, self.selected,
                         (self.message or TOP_KEYS) if footer else '')

    def key(self, name):
        """Act on a key; returns 'quit', 'log' or None."""
        confirm, self.confirm = self.confirm, None
        self.message = ''
        if name == 'y' and confirm is not None:
            self._act(self._cancel, confirm)
        elif name in ('q', 'Q'):
            return 'quit'
        elif name in ('tab', 'btab'):
            self.focus = (self.focus + (1 if name == 'tab' else -1)) % len(self.PANES)
        elif name in ('up', 'down', 'k', 'j'):
            step = -1 if name in ('up', 'k') else 1
            count = len(self.items()[self.focus])
            self.selected[self.focus] = max(0, min(count - 1, self.selected[self.focus] + step))
        elif name == 'p':
            self._act(self._toggle_pause, self.selected_queue())
        elif name == 'c' and self.selected_job():
            self.confirm = self.selected_job()
            self.message = 'Cancel job %d? Press y to confirm.' % self.confirm
        elif name == 'r' and self.selected_job():
            self._act(self._retry, self.selected_job())
        elif name in ('l', 'enter') and self.selected_job():
            return 'log'
        return None

    def selected_queue(self):
        rows = self.items()[self.focus]
        if not rows:
            return None
        item = rows[self.selected[self.focus]]
        return item if self.focus == 0 else item['queue']

    def selected_job(self):
        if self.focus == 0 or not self.items()[self.focus]:
            return None
        item = self.items()[self.focus][self.selected[self.focus]]
        return item['id'] if self.focus == 1 else item['job_id']

    def _act(self, action, target):
        if target is None:
            return
        try:
            self.message = action(target)
        except QueueError as exc:
            self.message = 'error: %s' % exc

    def _toggle_pause(self, queue):
        paused = not queue_is_paused(queue, self.store.pause_rows())
        self.store.set_paused(queue, paused)
        if not paused:
            wake_idle_pools(self.store)
        return '%s queue %s' % ('Paused' if paused else 'Resumed', queue)

    def _cancel(self, job_id):
        cancel_job(self.store, str(job_id), self.ctx.config['kill_grace'])
        return 'Cancelled job %d' % job_id

    def _retry(self, job_id):
        self.store.retry_dead([str(job_id)], self.store.now())
        wake_idle_pools(self.store)
        return 'Requeued job %d from the DLQ' % job_id

    def log_bytes(self):
        """The selected job's output, every attempt, as `logs ID` prints it."""
        job = self.store.job_detail(str(self.selected_job()))
        parts = [b'job %d has not run yet\n' % job['id']] if not job['history'] else []
        for run in job['history']:
            data = _read_log(self.ctx, job, run)
            parts += [run_header(job, run).encode(), data,
                      b'' if not data or data.endswith(b'\n') else b'\n',
                      run_trailer(run).encode()]
        return b''.join(parts)


TOP_KEY_NAMES = {9: 'tab', 10: 'enter', 13: 'enter'}


def cmd_top(args, ctx):
    interval = parse_duration(args.interval, '--interval')
    if interval < 0.1:
        raise UsageError('--interval: at least 0.1s, got %r' % args.interval)
    view = TopView(ctx, ctx.store())
    view.refresh()
    if args.once or not (_isatty(ctx.out) and _isatty(sys.stdin)):
        width = _terminal_width() if _isatty(ctx.out) or ctx.env.get('COLUMNS') else 200
        ctx.say('\n'.join(text.rstrip() for text, _ in view.lines(width + 1, footer=False)))
        return EXIT_OK
    import curses
    import locale
    try:
        locale.setlocale(locale.LC_ALL, '')     # curses writes UTF-8 only with a locale
    except locale.Error:
        pass                                    # an unknown LANG: plain ASCII then
    try:
        curses.wrapper(_top_loop, view, interval)
    except curses.error as exc:
        raise QueueError('top cannot drive this terminal (TERM=%s): %s; use top --once'
                         % (ctx.env.get('TERM', ''), exc))
    return EXIT_OK


def _isatty(stream):
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _top_loop(screen, view, interval):
    """Draw, wait for a key or the next refresh, act; until q. Only what changed
    is sent to the terminal (curses compares screens), so nothing flickers."""
    import curses
    try:
        curses.curs_set(0)
    except curses.error:
        pass
    styles = _top_styles(curses, view.ctx.env)
    keys = dict(TOP_KEY_NAMES)
    keys.update({curses.KEY_UP: 'up', curses.KEY_DOWN: 'down', curses.KEY_BTAB: 'btab',
                 curses.KEY_ENTER: 'enter'})
    next_refresh = time.monotonic() + interval
    while True:
        _top_draw(curses, screen, view, styles)
        screen.timeout(max(10, int((next_refresh - time.monotonic()) * 1000)))
        code = screen.getch()
        if code != -1 and code != curses.KEY_RESIZE:
            name = keys.get(code) or (chr(code) if 32 < code < 127 else None)
            action = view.key(name)
            if action == 'quit':
                return
            if action == 'log':
                _top_pager(curses, screen, view)
            next_refresh = 0.0
        if time.monotonic() >= next_refresh:
            view.refresh()
            next_refresh = time.monotonic() + interval


def _top_styles(curses, env):
    """Attributes per style; colours only where the terminal has them and
    NO_COLOR is unset."""
    styles = {'title': curses.A_REVERSE, 'head': curses.A_BOLD, 'select': curses.A_REVERSE}
    if env.get('NO_COLOR') or not curses.has_colors():
        return styles
    curses.start_color()
    try:
        curses.use_default_colors()
        background = -1
    except curses.error:
        background = curses.COLOR_BLACK
    for number, (style, colour) in enumerate((('good', curses.COLOR_GREEN),
                                              ('warn', curses.COLOR_YELLOW),
                                              ('bad', curses.COLOR_RED)), 1):
        curses.init_pair(number, colour, background)
        styles[style] = curses.color_pair(number)
    return styles


def _top_draw(curses, screen, view, styles):
    height, width = screen.getmaxyx()
    screen.erase()
    if width < TOP_MIN_SIZE[0] or height < TOP_MIN_SIZE[1]:
        lines = [('terminal too small for queuectl top: %dx%d, needs %dx%d (q quits)'
                  % ((width, height) + TOP_MIN_SIZE), None)]
    else:
        lines = view.lines(width, height)
    encoding = getattr(screen, 'encoding', None) or 'utf-8'
    for row, (text, style) in enumerate(lines[:height]):
        if style in ('title', 'select'):
            text = text.ljust(width - 1)
        text = text.encode(encoding, 'replace').decode(encoding)
        try:
            screen.addnstr(row, 0, text, max(0, width - 1), styles.get(style, 0))
        except curses.error:
            pass
    screen.refresh()


def _top_pager(curses, screen, view):
    """Show the selected job's log in $PAGER (less), then come back."""
    import subprocess
    try:
        data = view.log_bytes()
    except QueueError as exc:
        view.message = 'error: %s' % exc
        return
    curses.def_prog_mode()
    curses.endwin()
    try:
        subprocess.run(['/bin/sh', '-c', view.ctx.env.get('PAGER') or 'less'], input=data)
    except OSError as exc:
        view.message = 'error: cannot run the pager: %s' % _os_reason(exc)
    curses.reset_prog_mode()
    screen.clear()


def write_textfile(path, text):
    """Write text to path atomically: a temp file in the same folder (not named
    *.prom, so node_exporter skips it), then rename. Mode 0644: node_exporter runs
    as another user, and the metrics hold no secrets (queue names and numbers)."""
    path = os.path.abspath(path)
    temp = os.path.join(os.path.dirname(path), '.%s.%d.tmp' % (os.path.basename(path),
                                                                os.getpid()))
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.fchmod(fd, 0o644)                     # whatever the umask
        with os.fdopen(fd, 'w') as handle:
            handle.write(text)
        os.replace(temp, path)
    except OSError as exc:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise QueueError('cannot write %s: %s' % (path, _os_reason(exc)))


def cmd_completion(args, ctx):
    if args.names:
        store = ctx.store()
        names = store.queue_names() if args.names == 'queues' else \
            store.keys_starting(args.prefix)
        for name in names:
            if name.startswith(args.prefix):
                ctx.say(name)
        return EXIT_OK
    if args.shell not in ('bash', 'zsh'):
        raise UsageError('SHELL: expected bash or zsh, got %r' % args.shell
                         if args.shell else 'give the shell: bash or zsh')
    ctx.out.write(completion_script(build_parser(out=ctx.out), args.shell))
    return EXIT_OK


# What completes an option's value or a positional argument, by name.
COMPLETE_OPTION_VALUES = {'--db': 'file', '--file': 'file', '-f': 'file',
                          '--textfile': 'file', '--cwd': 'dir', '--queue': 'queues',
                          '--status': 'states', '--state': 'states'}
COMPLETE_POSITIONALS = {'jobs': 'keys', 'job': 'keys', 'queue': 'queues', 'key': 'config',
                        'shell': 'shells'}


def _completion_paths(parser):
    """[(path, options, {option taking a value: kind}, positional kind, one
    positional only, sub-commands)] for every (sub)command of an argparse parser.
    A path is 'worker/start'; the top level is ''."""
    import argparse
    found = []

    def walk(p, path):
        options, values, positional, single, names = [], {}, None, True, []
        for action in p._actions:
            if action.help == argparse.SUPPRESS:
                continue
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    names.append(name)
                    walk(sub, path + [name])
            elif action.option_strings:
                options += action.option_strings
                if action.nargs != 0:
                    values.update((o, COMPLETE_OPTION_VALUES.get(o, 'none'))
                                  for o in action.option_strings)
            elif positional is None:
                positional = COMPLETE_POSITIONALS.get(action.dest)
                single = action.nargs in (None, '?')
        found.append(('/'.join(path), options, values, positional, single, names))
    walk(parser, [])
    return found


BASH_COMPLETION = r'''# %(shell)s completion for queuectl, generated from its parser by:
#   queuectl completion %(shell)s
%(preamble)s_queuectl_names() {    # queue names or job keys, from the database
    local IFS=$'\n'
    COMPREPLY=($("${COMP_WORDS[0]}" "${_queuectl_db[@]}" completion --names "$1" \
                 --prefix "$cur" 2>/dev/null))
}
_queuectl() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
    local where= w i skip= npos=0
    _queuectl_db=()
    COMPREPLY=()
    for ((i = 1; i < COMP_CWORD; i++)); do
        w=${COMP_WORDS[i]}
        if [ -n "$skip" ]; then
            [ "$skip" = db ] && _queuectl_db=(--db "$w")
            skip=
        elif [[ $w == -* ]]; then
            case "$where:$w" in
                *:--db) skip=db ;;
%(value_options)s) skip=1 ;;
            esac
        else
            case "$where" in
%(parents)s) where=${where:+$where/}$w ;;
                *) npos=$((npos + 1)) ;;
            esac
        fi
    done
    case "$where:$prev" in
%(file_values)s) COMPREPLY=($(compgen -f -- "$cur")); return ;;
%(dir_values)s) COMPREPLY=($(compgen -d -- "$cur")); return ;;
%(queue_values)s) _queuectl_names queues; return ;;
%(state_values)s) COMPREPLY=($(compgen -W "%(states)s" -- "$cur")); return ;;
%(other_values)s) return ;;
    esac
    if [[ $cur == -* ]]; then
        case "$where" in
%(options)s
        esac
        return
    fi
    case "$where" in
%(names)s
%(positionals)s
    esac
}
complete -F _queuectl queuectl queuectl.py
'''


def completion_script(parser, shell):
    """A bash completion script generated from the parser; for zsh, the same
    function run by zsh's bash completion emulation (bashcompinit)."""
    paths = _completion_paths(parser)
    indent = ' ' * 16

    def case(patterns):
        return indent + '|'.join(sorted(set(patterns))) if patterns else indent + '__none__'

    def words(items):
        return ' '.join(sorted(set(items)))
    values = dict((kind, []) for kind in ('file', 'dir', 'queues', 'states', 'none'))
    options, names, positionals = [], [], []
    kinds = {'keys': '_queuectl_names keys', 'queues': '_queuectl_names queues',
             'config': 'COMPREPLY=($(compgen -W "%s" -- "$cur"))'
                       % words(k for k, _, _, _ in CONFIG_KEYS),
             'shells': 'COMPREPLY=($(compgen -W "bash zsh" -- "$cur"))'}
    for path, opts, value_opts, positional, single, subs in paths:
        label = path or '""'
        for option, kind in value_opts.items():
            if option != '--db':
                values[kind].append('%s:%s' % (path, option))
        options.append('%s%s) COMPREPLY=($(compgen -W "%s" -- "$cur")) ;;'
                       % (indent, label, words(opts)))
        if subs:
            names.append('%s%s) COMPREPLY=($(compgen -W "%s" -- "$cur")) ;;'
                         % (indent, label, words(subs)))
        elif positional:
            guard = '[ "$npos" -eq 0 ] && ' if single else ''
            positionals.append('%s%s) %s%s ;;' % (indent, label, guard, kinds[positional]))
    any_value = [p for kind in values for p in values[kind]]
    return BASH_COMPLETION % {
        'shell': shell, 'states': ' '.join(STATES),
        'preamble': 'autoload -U +X bashcompinit && bashcompinit\n' if shell == 'zsh' else '',
        'value_options': case(any_value),
        'parents': case(p or '""' for p, _, _, _, _, subs in paths if subs),
        'file_values': case(values['file'] + ['*:--db']), 'dir_values': case(values['dir']),
        'queue_values': case(values['queues']), 'state_values': case(values['states']),
        'other_values': case(values['none']), 'options': '\n'.join(options),
        'names': '\n'.join(names), 'positionals': '\n'.join(positionals)}


# -- DLQ, cancel, wait, pause, prune ---------------------------------------

def _check_ids_or_all(args):
    if args.all and args.jobs:
        raise UsageError('give job ids or --all, not both')
    if not args.all and not args.jobs:
        raise UsageError('no jobs given: give job ids or keys, or --all')


def cmd_dlq(args, ctx):
    if args.action == 'list':
        jobs, _ = ctx.store().list_jobs(['dead'], limit=0)
        if args.json:
            ctx.say(json_text([job_to_dict(j) for j in jobs]))
        elif not jobs:
            ctx.say('The DLQ is empty.')
        else:
            ctx.say(dlq_table(jobs, output_width(ctx)))
        return EXIT_OK
    _check_ids_or_all(args)
    store = ctx.store()
    results = store.retry_dead(args.jobs, store.now(), every=args.all)
    if args.all:
        wake_idle_pools(store)
        total = sum(1 + n for _, n in results)
        ctx.say('Requeued %d job%s from the DLQ' % (total, '' if total == 1 else 's'))
        return EXIT_OK
    return _say_requeued(ctx, store, results, ' from the DLQ')


def cmd_requeue(args, ctx):
    store = ctx.store()
    return _say_requeued(ctx, store, store.requeue(args.jobs, store.now()), '')


def _say_requeued(ctx, store, results, where):
    wake_idle_pools(store)
    for job_id, dependents in results:
        extra = (' (and %d dependent job%s)' % (dependents, '' if dependents == 1 else 's')
                 if dependents else '')
        ctx.say('Requeued job %d%s%s' % (job_id, where, extra))
    return EXIT_OK


def cmd_cancel(args, ctx):
    store = ctx.store()
    grace = ctx.config['kill_grace']
    code = EXIT_OK
    refs = []
    for ref in args.jobs:                   # `cancel 2 2` cancels job 2 once
        if ref not in refs:
            refs.append(ref)
    for ref in refs:
        try:
            job = cancel_job(store, ref, grace)
        except (JobNotFound, InvalidTransition) as exc:
            ctx.error(exc)
            code = EXIT_FAILURE
            continue
        ctx.say('Cancelled job %d' % job['id'])
    return code


def cancel_job(store, ref, grace):
    """Cancel a job; a running one on this host is stopped too. Returns the job."""
    job = store.cancel(ref, store.now())
    if job['state'] == 'processing' and parse_worker_label(job['worker'])[0] == this_host():
        _stop_cancelled(job, grace)
    return job


def _stop_cancelled(job, grace):
    """Kill a cancelled job's processes and wake its pool (its worker stops too)."""
    wake_pool(job['pool'])
    stop_claim(job['owner'], job['run_id'], job['pgid'], grace)


def cmd_wait(args, ctx):
    _check_ids_or_all(args)
    timeout = parse_duration(args.timeout, '--timeout') if args.timeout else None
    store = ctx.store()
    if args.all:
        return wait_for_jobs(ctx, store, store.unfinished_ids(), timeout, args.quiet,
                             since=store.max_job_id())
    return wait_for_jobs(ctx, store, [store.job_id(ref) for ref in args.jobs], timeout,
                         args.quiet)


def wait_for_jobs(ctx, store, ids, timeout=None, quiet=False, since=None):
    """`wait` (and `add --wait`): block until the jobs are finished, say how each
    ended; EXIT_OK if all completed. With since (`wait --all`), jobs added after
    id `since` count too, and only those that did not complete are reported."""
    ids = set(ids)
    states = _poll_until_finished(ctx, store, ids, timeout, since)
    failed = [i for i in sorted(ids) if i in states and states[i]['state'] != 'completed']
    if not quiet:
        for job_id in sorted(ids):
            if job_id in states and (since is None or job_id in failed):
                row = states[job_id]
                detail = (': ' + escape_text(row['error'])
                          if row['error'] and row['state'] != 'completed' else '')
                name = ' (%s)' % escape_text(row['key']) if row['key'] else ''
                ctx.say('Job %d%s %s%s' % (job_id, name, row['state'], detail))
    return EXIT_FAILURE if failed else EXIT_OK


def _poll_until_finished(ctx, store, ids, timeout, since):
    """Poll until every job in ids is finished or deleted; returns {id: state row}.

    With `since` (`wait --all`), jobs added after that id join ids, and a tick
    only asks whether any job is unfinished (an index seek, whatever the size
    of the queue); the states are read once, at the end.
    """
    deadline = time.monotonic() + timeout if timeout is not None else None
    next_check = time.monotonic() + 1.0
    states = {}                                 # the final ones, kept
    while True:
        if since is None:
            states.update(_final_states(store, [i for i in ids if i not in states]))
            pending = sorted(ids - set(states))
        else:
            new = store.ids_after(since)
            ids.update(new)
            since = max([since] + new)
            pending = store.unfinished_ids(limit=10)
        if not pending:
            return states if since is None else _final_states(store, sorted(ids))
        now = time.monotonic()
        if deadline is not None and now >= deadline:
            count = len(pending) if since is None else store.unfinished_summary()[0]
            raise WaitTimeout('timed out after %s; %d job%s unfinished: %s'
                              % (format_seconds(timeout), count, '' if count == 1 else 's',
                                 ', '.join(str(i) for i in pending[:10])))
        if next_check is not None and now >= next_check:
            next_check = now + 1.0
            queues = (store.unfinished_summary()[1] if since is not None else
                      set(row['queue'] for row in store.job_states(pending).values()))
            warning = _why_nothing_runs(store, ctx, queues)
            if warning:
                ctx.warn(warning + '; still waiting')
                next_check = None               # once
        time.sleep(CLIENT_POLL)


def _final_states(store, ids):
    """{id: state row} of those jobs that are finished (a job pruned while we
    waited counts as finished: 'deleted')."""
    found = store.job_states(ids)
    gone = {'state': 'deleted', 'error': 'pruned while waiting', 'queue': None, 'key': None}
    return dict((i, found.get(i, dict(gone, id=i))) for i in ids
                if i not in found or found[i]['state'] in FINISHED_STATES)


def _why_nothing_runs(store, ctx, queues):
    """Why waiting jobs in these queues may never run, or None if something serves them."""
    workers = live_workers(store.workers(), store.now(), ctx.config['lease_seconds'])
    if not workers:
        return 'no live workers (start some with: queuectl worker start)'
    pauses = store.pause_rows()
    served = set()
    for row in workers:
        served.update(row['queues'].split(',') if row['queues'] else queues)
    stuck = sorted(q for q in queues if q not in served or queue_is_paused(q, pauses))
    if stuck and len(stuck) == len(queues):
        return 'no live worker serves queue %s, or it is paused' % ', '.join(stuck)
    return None


def cmd_pause(args, ctx):
    paused = args.command == 'pause'
    if args.queue is not None:
        check_queue_name(args.queue, 'QUEUE')
    store = ctx.store(create=True)
    store.set_paused(args.queue, paused)
    if not paused:
        wake_idle_pools(store)
    target = ('queue %s' % args.queue) if args.queue else 'all queues'
    ctx.say('%s %s' % ('Paused' if paused else 'Resumed', target))
    return EXIT_OK


def cmd_limit(args, ctx):
    if args.queue is None:
        limits = ctx.store().queue_limits()
        if args.json:
            ctx.say(json_text(limits))
        else:
            ctx.say('\n'.join(describe_limit(q, n) for q, n in sorted(limits.items())) or
                    'No queue has a limit.')
        return EXIT_OK
    check_queue_name(args.queue, 'QUEUE')
    if args.limit is None:
        limit = ctx.store().queue_limits().get(args.queue)
    else:
        limit = _parse_limit(args.limit)
        store = ctx.store(create=True)
        store.set_limit(args.queue, limit)
        wake_idle_pools(store)                   # a higher limit may let jobs start
    ctx.say(json_text({args.queue: limit}) if args.json else describe_limit(args.queue, limit))
    return EXIT_OK


def _parse_limit(raw):
    text = raw.strip().lower()
    if text == 'none':
        return None
    if text.isdigit() and int(text) == 0:
        raise UsageError("N: 0 would stop the queue: pause it instead (queuectl pause QUEUE), "
                         "or give none to remove the limit")
    if not text.isdigit():
        raise UsageError('N: expected a number of jobs or none, got %r' % raw)
    return _number_parser(int, 1, 1000000)('N', text)


def cmd_prune(args, ctx):
    states = args.status or ['completed', 'cancelled']
    _check_states(states, FINISHED_STATES)
    age = parse_duration(args.older_than, '--older-than') if args.older_than else None
    store = ctx.store()
    removed = store.prune(states, None if age is None else store.now() - age)
    logs_dir = ctx.logs_dir()
    for job_id, run_ids in removed:
        for run_id in run_ids:
            try:
                os.unlink(log_file_path(logs_dir, job_id, run_id))
            except FileNotFoundError:
                pass
    ctx.say('Pruned %d job%s' % (len(removed), '' if len(removed) == 1 else 's'))
    return EXIT_OK


# -- config ---------------------------------------------------------------

def cmd_config(args, ctx):
    if args.action in ('list', 'show') or (args.action == 'get' and args.key is None):
        config = ctx.config
        db = db_path_and_source(getattr(args, 'db', None), config)
        if args.json:
            data = dict((k, {'value': config[k], 'source': config.sources[k]})
                        for k, _, _, _ in CONFIG_KEYS)
            data['db_path'] = {'value': mask_url(db[0]), 'source': db[1]}
            ctx.say(json_text(data))
        else:
            ctx.say(config_table(config, db))
            ctx.say('config file: %s' % config.path)
        return EXIT_OK
    if args.action == 'unset' and args.key in read_config_file(config_file_path(ctx.env)):
        key = args.key                       # a typo in the file can be removed
    else:
        key = normalize_key(args.key)
    if args.action == 'get':
        value = ctx.config[key]
        if value is None:
            value = ''
        if key == 'db_path':
            value = mask_url(db_path_and_source(getattr(args, 'db', None), ctx.config)[0])
        ctx.say(json_text(value) if args.json else str(value))
        return EXIT_OK
    path = config_file_path(ctx.env)
    data = {}                                # refuses (and keeps) a malformed file
    for name, value in read_config_file(path).items():
        canonical = name.strip().lower().replace('-', '_')
        data[canonical if canonical in CONFIG_SPECS else name] = value
    if args.action == 'set':
        data[key] = parse_config_value(key, args.value)
        value = '' if data[key] is None else data[key]
        message = 'Set %s = %s' % (key, mask_url(value) if key == 'db_path' else value)
    else:
        data.pop(key, None)
        default = CONFIG_SPECS.get(key, ('-',))[0]
        if key == 'db_path':
            default = mask_url(db_path_and_source(None, Config(dict(
                ctx.env, QUEUECTL_CONFIG=os.devnull)))[0])
        message = 'Unset %s (now the default: %s)' % (key, '-' if default is None else default)
    write_config_file(path, data)
    ctx.say(message)
    env_name = ENV_PREFIX + key.upper()
    source = db_path_and_source(getattr(args, 'db', None), Config(ctx.env))[1] \
        if key == 'db_path' else 'file'
    if args.action == 'set' and source not in ('file', 'default'):
        ctx.warn('%s overrides db_path here, so the config file\'s value does not apply'
                 % source.replace('env ', ''))
    elif ctx.env.get(env_name):
        ctx.warn('%s is set in the environment and overrides the config file' % env_name)
    return EXIT_OK


HANDLERS = {
    'add': cmd_add, 'enqueue': cmd_enqueue, 'list': cmd_list, 'show': cmd_show,
    'logs': cmd_logs, 'status': cmd_status, 'worker': cmd_worker, 'dlq': cmd_dlq,
    'cancel': cmd_cancel, 'wait': cmd_wait, 'pause': cmd_pause, 'resume': cmd_pause,
    'prune': cmd_prune, 'config': cmd_config, 'requeue': cmd_requeue, 'limit': cmd_limit,
    'top': cmd_top, 'metrics': cmd_metrics, 'completion': cmd_completion,
}


########################################################################
# Main
########################################################################

def _command_index(argv):
    """Index of the subcommand word in argv (skipping global options), or None."""
    skip = False
    for index, word in enumerate(argv):
        if skip:
            skip = False
        elif word == '--db':
            skip = True
        elif word == '--' or not word.startswith('-'):
            return index if word in HANDLERS or word in COMMAND_ALIASES else None
    return None


def parse_args(argv, out=None):
    """Parse argv; builds only the parser of the command given, which keeps add fast.

    `add ... -- prog args`: the words after '--' are an argument vector.
    """
    argv = list(argv)
    index = _command_index(argv)
    vector = None
    if index is not None and argv[index] in ('add', 'add-command') and '--' in argv[index:]:
        cut = argv.index('--', index)
        argv, vector = argv[:cut], argv[cut + 1:]
    name = argv[index] if index is not None else None
    args = None
    if name in ('add', 'add-command'):
        _check_add_options(argv, index)
        args = _fast_add_args(argv, index)
    if args is None:
        args = build_parser(name, out).parse_args(argv)
    args.command = COMMAND_ALIASES.get(args.command, args.command)
    args.vector = vector
    return args


def _options_after_command(argv, index):
    """The options that stand after the first command word of an `add` (argv[index]
    is 'add'), and the command words; values of add's options are skipped."""
    takes_value = set()
    for flags, _, kind, _, _, _ in ADD_OPTIONS:
        if kind != 'flag':
            takes_value.update(flags)
    longs = [f for f in takes_value if f.startswith('--')]
    words, after = [], []
    tail = iter(argv[index + 1:])
    for word in tail:
        if not word.startswith('-') or word == '-':
            words.append(word)
            continue
        if words:
            after.append(word)
        name = word.split('=', 1)[0]
        if '=' in word:
            continue
        if name.startswith('--'):
            needs = [f for f in longs if f.startswith(name)]
            value = len(needs) == 1 or name in takes_value
        else:
            value = ('-' + name[-1:]) in takes_value
        if value:
            next(tail, None)
    return after, words


def _check_add_options(argv, index):
    """`add df -h`, `add git pull --quiet`: options after several command words
    (or --help after any) may be the command's; refuse to guess (exit 2).
    After one command word (`add "CMD" --max-retries 3`) they are add's."""
    after, words = _options_after_command(argv, index)
    helps = [o for o in after if o in ('-h', '--help') or (len(o) > 2 and '--help'.startswith(o))]
    if not (helps or (after and len(words) > 1)):
        return
    command = argv[argv.index(words[0], index + 1):]
    quoted = shell_join([' '.join(command)])
    raise UsageError('%s after the command words: add\'s options go before the command; '
                     'to pass %s to the command, quote it: queuectl add %s, or put it after '
                     '--: queuectl add -- %s' % (' '.join((helps or after)[:3]),
                                                'it' if len(after) == 1 else 'them', quoted,
                                                shell_join(command)))


def main(argv=None, env=None, out=None, err=None):
    """Run one command; returns its exit status. Everything printed goes through
    `out` and `err`, from here and the CLI section's functions."""
    argv = sys.argv[1:] if argv is None else list(argv)
    env = os.environ if env is None else env
    out = out or sys.stdout
    err = err or sys.stderr
    ctx = None
    try:
        args = parse_args(argv, out)
        handler = HANDLERS[args.command]
        ctx = Context(args, out, err, env)
        return handler(args, ctx)
    except QueueError as exc:
        if getattr(exc, 'usage', None):
            err.write(exc.usage)
        err.write('queuectl: error: %s\n' % exc)
        return exc.exit_code
    except SystemExit as exc:                 # argparse --help / --version
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    except KeyboardInterrupt:
        err.write('\n')
        return EXIT_INTERRUPTED
    except BrokenPipeError:                  # `queuectl list | head`: the reader had enough
        _silence_stdout()
        return EXIT_OK
    except Exception as exc:
        if _debugging(env, ctx):
            raise
        err.write('queuectl: error: internal error: %s: %s (run with log_level DEBUG, e.g. '
                  'QUEUECTL_LOG_LEVEL=DEBUG, for the traceback)\n' % (type(exc).__name__, exc))
        return EXIT_FAILURE
    finally:
        if ctx is not None:
            ctx.close()


def _debugging(env, ctx):
    """log_level DEBUG, from the environment or the config file: show tracebacks."""
    if str(env.get('QUEUECTL_LOG_LEVEL', '')).upper() == 'DEBUG':
        return True
    try:
        return ctx is not None and ctx.config['log_level'] == 'DEBUG'
    except QueueError:
        return False


def _silence_stdout():
    """After EPIPE (`queuectl list | head`): make the final flush quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _entry():
    """Console-script entry point (pyproject.toml)."""
    code = main()
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
    sys.exit(code)


if __name__ == '__main__':
    _entry()
