"""Tests for queuectl.py: stdlib unittest, also collected by pytest.

Laid out from fast to slow: pure functions, the CLI in-process
(main(argv) against a real SQLite file), then real worker pools in
subprocesses with real faults. Every test has its own QUEUECTL_HOME.
Run: make test   (or: python3 -m unittest -v test_queuectl)
"""

import calendar
import contextlib
import doctest
import io
import json
import os
import re
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from unittest import mock
import unittest.mock

import queuectl

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, 'queuectl.py')
LINUX = sys.platform.startswith('linux')
# The slow tier (tens of seconds: load, huge output, huge batches) runs with
# QUEUECTL_SLOW_TESTS=1: `make test-slow`, and always in CI.
slow = unittest.skipUnless(os.environ.get('QUEUECTL_SLOW_TESTS') == '1',
                           'slow tier: make test-slow (QUEUECTL_SLOW_TESTS=1)')


# The schema of version 1 (queuectl 1.0.0), as it shipped: migration tests
# build a database of that version and open it with this queuectl.
V1_RUNNABLE = "state IN ('pending', 'failed') AND blocked = 0"

V1_SCHEMA = (
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
        run_id      INTEGER
    )""",
    # Claim: per queue, highest priority first, then earliest run time, then id.
    "CREATE INDEX jobs_ready ON jobs(queue, priority DESC, run_at) WHERE " + V1_RUNNABLE,
    # The next scheduled time, for an idle worker's sleep.
    "CREATE INDEX jobs_due ON jobs(run_at) WHERE " + V1_RUNNABLE,
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
    """CREATE TABLE queues (
        name   TEXT PRIMARY KEY,
        paused INTEGER
    ) WITHOUT ROWID""",
)


def make_version_1_database(path):
    with contextlib.closing(sqlite3.connect(path)) as conn:
        for statement in V1_SCHEMA:
            conn.execute(statement)
        conn.execute('PRAGMA user_version=1')
        conn.commit()
    return path


class QueuectlTestCase(unittest.TestCase):
    """A private QUEUECTL_HOME, an in-process CLI runner and subprocess helpers."""

    WATCHDOG = 60        # seconds before a hung test fails instead of hanging

    def setUp(self):
        tmp = tempfile.TemporaryDirectory(prefix='queuectl-test-')
        self.addCleanup(tmp.cleanup)
        self.home = tmp.name
        self.env = dict((k, v) for k, v in os.environ.items() if not k.startswith('QUEUECTL_'))
        self.env.update({
            'QUEUECTL_HOME': self.home,
            # Small timings keep the suite fast; tests needing others set them.
            'QUEUECTL_BACKOFF_BASE': '0.05',
            'QUEUECTL_KILL_GRACE': '1',
            'QUEUECTL_POLL_INTERVAL': '0.2',
            'PYTHONDONTWRITEBYTECODE': '1',
        })
        self.db_path = os.path.join(self.home, 'queue.db')
        self.procs = []
        self.addCleanup(self._reap_procs)
        if hasattr(signal, 'SIGALRM'):
            previous = signal.signal(signal.SIGALRM, self._watchdog)
            signal.alarm(self.WATCHDOG)
            self.addCleanup(signal.signal, signal.SIGALRM, previous)
            self.addCleanup(signal.alarm, 0)

    def _watchdog(self, signum, frame):
        raise AssertionError('test still running after %ds' % self.WATCHDOG)

    def _reap_procs(self):
        for proc in self.procs:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except OSError:
                    proc.kill()
            proc.wait()
            for stream in (proc.stdout, proc.stderr):
                if stream:
                    stream.close()
        # Jobs run in sessions of their own: kill any that outlived the test.
        for pid in job_pids_with_home(self.home):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass

    # -- the CLI, in-process ---------------------------------------------

    def cli(self, *argv, **kwargs):
        """Run main(argv) in-process; returns (exit code, stdout, stderr)."""
        out, err = io.StringIO(), io.StringIO()
        stdin = kwargs.get('stdin')
        with swapped_stdin(stdin), cwd(kwargs.get('cwd', self.home)):
            code = queuectl.main(list(argv), env=kwargs.get('env', self.env), out=out, err=err)
        return code, out.getvalue(), err.getvalue()

    def ok(self, *argv, **kwargs):
        """Run a command that must succeed; returns its stdout."""
        code, out, err = self.cli(*argv, **kwargs)
        self.assertEqual(code, 0, 'queuectl %s failed (%s): %s%s' % (' '.join(argv), code,
                                                                   out, err))
        return out

    def fails(self, code, *argv, **kwargs):
        """Run a command that must fail with `code`; returns its stderr."""
        got, out, err = self.cli(*argv, **kwargs)
        self.assertEqual(got, code, 'queuectl %s: expected exit %d, got %d\n%s%s'
                         % (' '.join(argv), code, got, out, err))
        self.assertNotIn('Traceback', err)
        return err

    def add(self, *argv):
        """Add a job; returns its id."""
        return int(self.ok('add', '-q', *argv).strip())

    def job(self, ref):
        return json.loads(self.ok('show', str(ref), '--json'))

    def state(self, ref):
        return self.job(ref)['state']

    # -- real processes ---------------------------------------------------

    def spawn(self, *argv, **kwargs):
        """Start `python3 queuectl.py ARGV` in its own process group."""
        env = dict(self.env, **kwargs.pop('env', {}))
        kwargs.setdefault('stdin', subprocess.DEVNULL)
        proc = subprocess.Popen([sys.executable, self.script()] + list(argv), env=env,
                                cwd=self.home, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True, **kwargs)
        self.procs.append(proc)
        return proc

    def script(self):
        """What spawn() runs: queuectl.py itself."""
        return SCRIPT

    def run_proc(self, *argv, **kwargs):
        """Run `python3 queuectl.py ARGV` to its end; returns (code, out, err)."""
        timeout = kwargs.pop('timeout', 45)
        proc = self.spawn(*argv, **kwargs)
        out, err = proc.communicate(timeout=timeout)
        return proc.returncode, out.decode('utf-8', 'replace'), err.decode('utf-8', 'replace')

    def burst(self, count=2, *extra, **kwargs):
        """Run a pool until nothing is left to do; returns its stderr (the log)."""
        code, out, err = self.run_proc('worker', 'start', '--count', str(count), '--burst',
                                       *extra, **kwargs)
        self.assertEqual(code, 0, 'burst pool failed:\n' + err)
        self.assertIn('Started %d worker process%s\n' % (count, '' if count == 1 else 'es'),
                      out)
        self.assertNotIn('Traceback', err)
        return err

    def start_pool(self, count=1, *extra, **kwargs):
        """A long-running foreground pool; waits until its workers registered."""
        proc = self.spawn('worker', 'start', '--count', str(count), *extra, **kwargs)
        self.wait_until(lambda: len(self.worker_rows(pool_pid=proc.pid)) >= count,
                        what='%d workers registered' % count)
        return proc

    def worker_rows(self, pool_pid=None, role='worker'):
        rows = self.db_rows(
            "SELECT w.pid, w.pool_pid, j.id FROM workers w LEFT JOIN jobs j "
            "ON j.state = 'processing' AND j.owner = w.id WHERE w.role = ?", (role,))
        return [r for r in rows if pool_pid is None or r[1] == pool_pid]

    def db_rows(self, sql, params=()):
        """Run SQL ('?' placeholders) on the test's database, committed; returns its
        rows ([] while the database or its schema does not exist yet)."""
        if not os.path.exists(self.db_path):
            return []
        with contextlib.closing(sqlite3.connect(self.db_path, timeout=10)) as conn:
            try:
                with conn:
                    return conn.execute(sql, params).fetchall()
            except sqlite3.OperationalError as exc:
                if 'no such table' in str(exc):
                    return []
                raise

    def wait_until(self, predicate, timeout=15, interval=0.02, what='condition'):
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                self.fail('%s not met after %.0fs' % (what, timeout))
            time.sleep(interval)

    def wait_state(self, ref, states, timeout=15):
        states = (states,) if isinstance(states, str) else states
        return self.wait_until(lambda: self.state(ref) in states, timeout,
                               what='job %s in %s' % (ref, '/'.join(states)))

    def assert_integrity(self):
        with contextlib.closing(sqlite3.connect(self.db_path, timeout=10)) as conn:
            self.assertEqual(conn.execute('PRAGMA integrity_check').fetchone()[0], 'ok')

    def path(self, *parts):
        return os.path.join(self.home, *parts)


@contextlib.contextmanager
def swapped_stdin(data):
    if data is None:
        yield
        return
    saved = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(data.encode() if isinstance(data, str) else data))
    try:
        yield
    finally:
        sys.stdin = saved


@contextlib.contextmanager
def cwd(path):
    saved = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(saved)


def job_pids_with_home(home):
    """Pids of live processes whose environment carries QUEUECTL_HOME=home (Linux)."""
    if not LINUX:
        return []
    marker = ('\0QUEUECTL_HOME=%s\0' % home).encode()
    pids = []
    for entry in os.listdir('/proc'):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open('/proc/%s/environ' % entry, 'rb') as handle:
                if marker in b'\0' + handle.read():
                    with open('/proc/%s/stat' % entry, 'rb') as stat:
                        data = stat.read()
                    if data[data.rindex(b')') + 2:][:1] not in (b'Z', b'X'):
                        pids.append(int(entry))
        except (OSError, ValueError):
            continue
    return pids


def live_group_members(pgid):
    """Non-zombie processes in a process group (Linux /proc scan)."""
    return queuectl.group_members(pgid)


########################################################################
# Pure functions: retry policy, durations, formatting
########################################################################

class TestRetryPolicy(unittest.TestCase):

    def test_delay_doubles_from_base_and_is_capped(self):
        self.assertEqual([queuectl.retry_delay(n, 1, 3600) for n in range(1, 6)],
                         [1, 2, 4, 8, 16])
        self.assertEqual(queuectl.retry_delay(20, 1, 3600), 3600)
        self.assertEqual(queuectl.retry_delay(5000, 2, 60), 60)

    def test_job_runs_max_retries_plus_one_times_then_is_dead(self):
        states = [queuectl.next_state(False, n, 3, 1, 60, 0)[0] for n in (1, 2, 3, 4)]
        self.assertEqual(states, ['failed', 'failed', 'failed', 'dead'])
        self.assertEqual(queuectl.next_state(True, 4, 3, 1, 60, 7), ('completed', 7))
        self.assertEqual(queuectl.next_state(False, 2, 3, 1.5, 60, 100), ('failed', 103.0))

    def test_zero_retries_goes_straight_to_dlq(self):
        self.assertEqual(queuectl.next_state(False, 1, 0, 1, 60, 5), ('dead', 5))

    def test_exit_descriptions(self):
        self.assertIsNone(queuectl.describe_exit(0))
        self.assertEqual(queuectl.describe_exit(2), 'exit status 2')
        self.assertIn('command not found', queuectl.describe_exit(127))
        self.assertEqual(queuectl.describe_exit(-15), 'killed by signal 15 (SIGTERM)')


class TestParsing(unittest.TestCase):

    def test_durations(self):
        cases = {'30': 30, '30s': 30, '5m': 300, '2h': 7200, '1d': 86400, '0.5': 0.5,
                 ' 2M ': 120}
        for text, seconds in cases.items():
            self.assertEqual(queuectl.parse_duration(text), seconds, text)
        for bad in ('', 'abc', '-1', '5x', 'm', 'nan', 'inf', '1e999'):
            with self.assertRaises(queuectl.UsageError, msg=bad):
                queuectl.parse_duration(bad)

    def test_at_accepts_iso_utc_offsets_and_clock_times(self):
        self.assertEqual(queuectl.parse_at('2030-01-02T03:04:05Z', 0), 1893553445)
        self.assertEqual(queuectl.parse_at('2030-01-02T05:04:05+02:00', 0), 1893553445)
        self.assertEqual(queuectl.parse_at('2030-01-02T01:04:05-0200', 0), 1893553445)
        local = queuectl.parse_at('2030-01-02T03:04', 0)
        self.assertEqual(time.localtime(local)[:5], (2030, 1, 2, 3, 4))
        now = time.time()
        nxt = queuectl.parse_at('%02d:%02d' % time.localtime(now - 120)[3:5], now)
        self.assertTrue(now < nxt <= now + 86400 + 3600)
        for bad in ('25:00', '2030-13-01T00:00', 'tomorrow', '2030-01-02', '12:60'):
            with self.assertRaises(queuectl.UsageError, msg=bad):
                queuectl.parse_at(bad, now)

    def test_escape_keeps_terminal_safe(self):
        self.assertEqual(queuectl.escape_text('a\x1b]0;pwn\x07b'), 'a\\x1b]0;pwn\\x07b')
        self.assertEqual(queuectl.shorten('x' * 60, 10), 'xxxxxxx...')

    def test_output_capture_keeps_head_and_tail(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, 'log')
            capture = queuectl.OutputCapture(path, 2000)
            for i in range(100):
                capture.write(('line %04d\n' % i).encode() * 10)
            self.assertEqual(capture.close(), 'line 0099')
            with open(path, 'rb') as handle:
                data = handle.read()
            self.assertTrue(data.startswith(b'line 0000'))
            self.assertTrue(data.endswith(b'line 0099\n'))
            self.assertIn(b'bytes of output dropped', data)
            self.assertLess(len(data), 2200)

    def test_output_capture_creates_no_file_for_silent_jobs(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, 'log')
            self.assertEqual(queuectl.OutputCapture(path, 2000).close(), '')
            self.assertFalse(os.path.exists(path))


########################################################################
# Config
########################################################################

class TestConfig(QueuectlTestCase):

    def test_set_get_unset_with_dashes_or_underscores(self):
        self.assertEqual(self.ok('config', 'get', 'max-retries').strip(), '3')
        self.assertEqual(self.ok('config', 'set', 'max-retries', '5'), 'Set max_retries = 5\n')
        self.assertEqual(self.ok('config', 'get', 'max_retries').strip(), '5')
        self.ok('config', 'set', 'backoff_max', '10m')
        self.assertEqual(self.ok('config', 'get', 'backoff-max').strip(), '600')
        path = self.path('config.json')
        self.assertEqual(os.stat(path).st_mode & 0o777, 0o600)
        with open(path) as handle:
            self.assertEqual(json.load(handle), {'max_retries': 5, 'backoff_max': 600})
        self.ok('config', 'unset', 'max_retries')
        self.assertEqual(self.ok('config', 'get', 'max_retries').strip(), '3')

    def test_list_shows_value_and_source(self):
        self.ok('config', 'set', 'job_timeout', '30')
        env = dict(self.env, QUEUECTL_MAX_RETRIES='7')
        out = self.ok('config', 'list', env=env)
        self.assertRegex(out, r'max_retries\s+7\s+env QUEUECTL_MAX_RETRIES')
        self.assertRegex(out, r'job_timeout\s+30\s+file')
        self.assertRegex(out, r'lease_seconds\s+30\s+default')
        data = json.loads(self.ok('config', 'list', '--json', env=env))
        self.assertEqual(data['max_retries'], {'value': 7, 'source': 'env QUEUECTL_MAX_RETRIES'})

    def test_environment_overrides_file_and_flag_overrides_both(self):
        self.ok('config', 'set', 'max_retries', '2')
        env = dict(self.env, QUEUECTL_MAX_RETRIES='4')
        self.assertEqual(self.job(self.add('true'))['max_retries'], 2)
        job_id = int(self.ok('add', '-q', 'true', env=env))
        self.assertEqual(self.job(job_id)['max_retries'], 4)
        job_id = int(self.ok('add', '-q', '--max-retries', '0', 'true', env=env))
        self.assertEqual(self.job(job_id)['max_retries'], 0)

    def test_bad_keys_and_values_are_refused_with_the_expected_form(self):
        err = self.fails(2, 'config', 'set', 'nope', '1')
        self.assertIn("unknown config key 'nope'; valid keys: max_retries", err)
        for key, value, expect in (('max_retries', '-1', 'between 0 and 1000'),
                                   ('max_retries', 'x', 'expected an integer'),
                                   ('backoff_base', 'soon', 'expected a duration'),
                                   ('log_level', 'LOUD', 'expected DEBUG, INFO'),
                                   ('max_workers', '0', 'between 1 and 1024')):
            err = self.fails(2, 'config', 'set', key, value)
            self.assertIn(expect, err)
            self.assertEqual(err.count('\n'), 1, err)
        self.assertFalse(os.path.exists(self.path('config.json')))

    def test_malformed_config_is_reported_with_path_and_never_overwritten(self):
        path = self.path('config.json')
        with open(path, 'w') as handle:
            handle.write('{"max_retries": 3,,}')
        for argv in (('config', 'set', 'max_retries', '1'), ('add', 'true'), ('status',)):
            err = self.fails(1, *argv)
            self.assertIn(path, err)
            self.assertIn('not valid JSON', err)
            self.assertIn('line 1 column', err)
        with open(path) as handle:
            self.assertEqual(handle.read(), '{"max_retries": 3,,}')

    def test_config_file_accepts_dashes_and_refuses_unknown_keys(self):
        path = self.path('config.json')
        with open(path, 'w') as handle:
            json.dump({'max-retries': 7}, handle)
        self.assertEqual(self.ok('config', 'get', 'max_retries'), '7\n')
        self.ok('config', 'set', 'max_retries', '2')
        with open(path) as handle:
            self.assertEqual(json.load(handle), {'max_retries': 2})
        with open(path, 'w') as handle:
            json.dump({'max_retires': 7}, handle)
        err = self.fails(1, 'status')
        self.assertIn("unknown config key 'max_retires'", err)
        self.assertIn(path, err)

    def test_config_list_shows_the_database_in_effect(self):
        self.assertRegex(self.ok('config', 'list'),
                         r'db_path\s+%s\s+env QUEUECTL_HOME' % re.escape(self.db_path))
        self.assertEqual(self.ok('--db', self.path('x.db'), 'config', 'get', 'db_path'),
                         self.path('x.db') + '\n')

    def test_setting_a_db_path_that_something_else_overrides_says_so(self):
        code, out, err = self.cli('config', 'set', 'db_path', self.path('other.db'))
        self.assertEqual((code, out), (0, 'Set db_path = %s\n' % self.path('other.db')))
        self.assertEqual(err, 'queuectl: warning: QUEUECTL_HOME overrides db_path here, so '
                              'the config file\'s value does not apply\n')
        env = dict((k, v) for k, v in self.env.items() if k != 'QUEUECTL_HOME')
        env['QUEUECTL_CONFIG'] = self.path('config.json')
        code, out, err = self.cli('config', 'set', 'db_path', self.path('other.db'), env=env)
        self.assertEqual((code, err), (0, ''))

    def test_a_typo_in_the_config_file_can_be_removed_from_the_cli(self):
        with open(self.path('config.json'), 'w') as handle:
            handle.write('{"max_retries": 5, "bogus_key": 1}')
        self.assertIn('bogus_key', self.fails(1, 'status'))
        self.assertEqual(self.ok('config', 'unset', 'bogus_key'),
                         'Unset bogus_key (now the default: -)\n')
        self.assertIn('Jobs: 0 total', self.ok('status'))
        self.assertEqual(self.ok('config', 'get', 'max_retries'), '5\n')

    def test_a_bad_value_in_the_environment_is_a_usage_error(self):
        env = dict(self.env, QUEUECTL_MAX_RETRIES='abc')
        err = self.fails(2, 'status', env=env)
        self.assertIn('max_retries: expected an integer', err)
        self.assertIn('QUEUECTL_MAX_RETRIES', err)

    def test_invalid_value_in_file_names_the_file(self):
        with open(self.path('config.json'), 'w') as handle:
            json.dump({'max_retries': -4}, handle)
        err = self.fails(1, 'status')
        self.assertIn('max_retries: must be between 0 and 1000', err)
        self.assertIn(self.path('config.json'), err)

    def test_config_locations_follow_the_spec(self):
        env = dict(self.env)
        del env['QUEUECTL_HOME']
        env['XDG_CONFIG_HOME'] = self.path('xdg-config')
        env['XDG_DATA_HOME'] = self.path('xdg-data')
        self.ok('config', 'set', 'max_retries', '1', env=env)
        self.assertTrue(os.path.exists(self.path('xdg-config', 'queuectl', 'config.json')))
        self.ok('add', 'true', env=env)
        db = self.path('xdg-data', 'queuectl', 'queue.db')
        self.assertEqual(os.stat(db).st_mode & 0o777, 0o600)
        self.assertEqual(os.stat(os.path.dirname(db)).st_mode & 0o777, 0o700)
        env['QUEUECTL_CONFIG'] = self.path('other.json')
        self.ok('config', 'set', 'db_path', self.path('elsewhere.db'), env=env)
        self.ok('add', 'true', env=env)
        self.assertTrue(os.path.exists(self.path('elsewhere.db')))
        self.ok('--db', self.path('flag.db'), 'add', 'true', env=env)
        self.ok('add', '--db', self.path('flag2.db'), 'true', env=env)
        env['QUEUECTL_DB_PATH'] = self.path('envdb.db')
        self.ok('add', 'true', env=env)
        for name in ('flag.db', 'flag2.db', 'envdb.db'):
            self.assertTrue(os.path.exists(self.path(name)), name)


########################################################################
# Adding jobs
########################################################################

class TestAdd(QueuectlTestCase):

    def test_add_prints_the_id_and_stores_the_command_as_given(self):
        self.assertEqual(self.ok('add', 'echo "hello world" | tr a-z A-Z'),
                         'Added job with ID: 1\n')
        self.assertEqual(self.ok('add', '-q', 'true'), '2\n')
        self.assertEqual(self.ok('add-command', 'true'), 'Added job with ID: 3\n')
        job = self.job(1)
        self.assertEqual(job['command'], 'echo "hello world" | tr a-z A-Z')
        self.assertEqual((job['state'], job['attempts'], job['max_retries']), ('pending', 0, 3))
        self.assertEqual(job['cwd'], os.path.realpath(self.home))

    def test_argument_vector_after_double_dash_is_shell_quoted(self):
        job_id = self.add('--', 'printf', '%s|', 'a b', "it's", '$HOME')
        self.assertEqual(self.job(job_id)['command'], "printf '%s|' 'a b' 'it'\"'\"'s' '$HOME'")
        self.burst(1)
        self.assertEqual(self.ok('logs', str(job_id), '--attempt', '1'), "a b|it's|$HOME|")

    def test_fast_add_path_agrees_with_argparse(self):
        cases = (['add', 'echo hi'], ['add', '-q', 'true'], ['--db', 'x.db', 'add', 'true'],
                 ['add', '--key', 'k', '--after', '1', '--after', 'b', 'echo', 'a b'],
                 ['add', 'echo', 'hi', '--queue=q', '-e', 'A=1', '-e', 'B=2'],
                 ['add-command', '--priority', '5', '--delay', '2m', '--cwd', '/', 'x'],
                 ['add', '--stdin', '--max-retries', '0', '--timeout', '1h'],
                 ['add', '-f', 'cmds.txt', '--at', '12:00', '--db', 'y.db'],
                 ['add', 'echo', '--key', 'k', 'late'], ['add', '--max-r', '3', 'x'],
                 ['add', '-qe', 'A=1', 'x'], ['add', '--key'], ['add', '--bogus', 'x'],
                 ['add', '-e', '-x', 'y'], ['add', '-h'], ['add', '--quiet=yes', 'x'],
                 ['add', '--key', 'k', '--replace', '--wait', '-E', 'x'],
                 ['add', '--preserve-env', '-q', '--wait', 'x', 'y'])
        names = ['words', 'command'] + [o[1] for o in queuectl.ADD_OPTIONS]
        fast_count = 0
        for argv in cases:
            fast = queuectl._fast_add_args(argv, argv.index('add') if 'add' in argv else
                                           argv.index('add-command'))
            try:
                slow = queuectl.build_parser(argv[argv.index('--db') + 2 if argv[0] == '--db'
                                                  else 0], io.StringIO()).parse_args(argv)
            except (queuectl.UsageError, SystemExit):
                self.assertIsNone(fast, argv)
                continue
            if fast is not None:
                fast_count += 1
                for name in names:
                    self.assertEqual(getattr(fast, name), getattr(slow, name, None),
                                     '%s: %s' % (argv, name))
        self.assertGreaterEqual(fast_count, 9)

    def test_empty_or_nul_commands_are_refused(self):
        self.assertIn('command is empty', self.fails(2, 'add', ''))
        self.assertIn('command is empty', self.fails(2, 'add', '   '))
        self.assertIn('NUL', self.fails(2, 'add', 'echo a\0b'))
        self.assertIn('no command given', self.fails(2, 'add'))
        self.assertIn('command is empty', self.fails(2, 'add', '--'))
        self.assertFalse(self.ok('list', '--json').strip('[]\n'))

    def test_bad_options_are_one_line_errors(self):
        cases = ((('--max-retries', 'x'), 'expected an integer'),
                 (('--max-retries', '-1'), 'between 0 and 1000'),
                 (('--timeout', 'soon'), 'expected a duration'),
                 (('--delay', '-5'), 'expected a duration'),
                 (('--at', 'noon'), 'expected YYYY-MM-DD'),
                 (('--priority', 'high'), 'expected an integer'),
                 (('--queue', 'a b'), 'names use letters'),
                 (('--cwd', '/no/such/dir'), 'is not a folder'),
                 (('-e', 'NOEQUALS'), 'expected KEY=VALUE'),
                 (('--key', '42'), 'not a number'),
                 (('--bogus',), 'unrecognized arguments'))
        for args, expect in cases:
            err = self.fails(2, 'add', *(args + ('true',)))
            self.assertIn(expect, err)
            self.assertTrue(err.splitlines()[-1].startswith('queuectl: error: '), err)

    def test_hostile_input_is_refused_with_one_line(self):
        cases = ((('add', 'echo \udcff'), 'command is not valid UTF-8'),
                 (('add', '--key', 'k\x1b[2J', 'true'), 'no control characters'),
                 (('add', '--key', '\udcff', 'true'), '--key is not valid UTF-8'),
                 (('add', '--delay', '1e20', 'true'), 'at most 100 years'),
                 (('add', '--timeout', 'inf', 'true'), 'at most 100 years'),
                 (('add', '-e', '1X=a', 'true'), "'1X' is not a valid variable name"),
                 (('add', 'echo a', '--', 'ls'), 'not both'),
                 (('add', '--stdin', '-f', 'x'), '--stdin or -f FILE, not both'))
        for argv, expect in cases:
            err = self.fails(2, *argv)
            self.assertIn(expect, err)
            self.assertEqual(err.count('queuectl: error:'), 1, err)
        self.assertEqual(self.ok('list'), 'No jobs.\n')

    def test_batch_lines_split_only_on_newlines(self):
        out = self.ok('add', '-q', '--stdin', stdin='printf "a\\fb"\r\necho \u2028x\n')
        self.assertEqual(out, '1\n2\n')
        self.assertEqual(self.job(1)['command'], 'printf "a\\fb"')
        self.assertEqual(self.job(2)['command'], 'echo \u2028x')

    def test_timeout_zero_overrides_the_config_default(self):
        env = dict(self.env, QUEUECTL_JOB_TIMEOUT='1')
        job_id = int(self.ok('add', '-q', '--timeout', '0', 'sleep 1.5; touch slept', env=env))
        self.assertEqual(self.job(job_id)['timeout'], 0)
        self.burst(1, env={'QUEUECTL_JOB_TIMEOUT': '1'})
        self.assertEqual(self.state(job_id), 'completed')

    def test_env_and_cwd_reach_the_job(self):
        folder = self.path('work')
        os.mkdir(folder)
        job_id = self.add('--cwd', folder, '-e', 'GREETING=hi there', '-e', 'EMPTY=',
                          'echo "$GREETING|$EMPTY|$(pwd)|$QUEUECTL_JOB_ID|$QUEUECTL_ATTEMPT"')
        self.assertEqual(self.job(job_id)['env'], {'GREETING': 'hi there', 'EMPTY': ''})
        self.burst(1)
        self.assertEqual(self.ok('logs', str(job_id), '--attempt', '1'),
                         'hi there||%s|%d|1\n' % (folder, job_id))

    def test_batch_from_stdin_and_file_is_one_transaction(self):
        out = self.ok('add', '--stdin', stdin='echo 1\n\necho 2\n  \necho 3\n')
        self.assertEqual(out, 'Added 3 jobs: 1-3\n')
        path = self.path('cmds.txt')
        with open(path, 'w') as handle:
            handle.write('echo a\necho b\n')
        self.assertEqual(self.ok('add', '-q', '-f', path, '--queue', 'batch'), '4\n5\n')
        self.assertEqual(self.job(5)['queue'], 'batch')
        self.assertEqual([self.job(i)['command'] for i in range(1, 6)],
                         ['echo 1', 'echo 2', 'echo 3', 'echo a', 'echo b'])
        many = ''.join('echo %d\n' % i for i in range(1234))
        self.assertEqual(self.ok('add', '--stdin', stdin=many), 'Added 1234 jobs: 6-1239\n')
        jobs = json.loads(self.ok('list', '--limit', '0', '--json'))
        self.assertEqual([j['command'] for j in jobs[5:]], many.splitlines())
        err = self.fails(2, 'add', '--stdin', stdin='echo ok\necho \0bad\n')
        self.assertIn('stdin line 2 contains a NUL byte', err)
        self.assertIn('no commands', self.fails(2, 'add', '--stdin', stdin='\n\n'))
        self.assertIn('cannot read', self.fails(2, 'add', '-f', self.path('missing')))
        self.assertIn('not both', self.fails(2, 'add', '--stdin', 'true', stdin='true\n'))

    def test_key_is_idempotent(self):
        self.assertEqual(self.ok('add', '--key', 'nightly', 'true'), 'Added job with ID: 1\n')
        self.assertEqual(self.ok('add', '--key', 'nightly', 'echo other'),
                         'Job with key nightly already exists: ID 1\n')
        self.assertEqual(self.ok('add', '-q', '--key', 'nightly', 'true'), '1\n')
        self.assertEqual(self.job('nightly')['id'], 1)
        self.assertEqual(len(json.loads(self.ok('list', '--json'))), 1)

    def test_enqueue_json_uses_id_as_key(self):
        out = self.ok('enqueue', '{"id": "job1", "command": "echo hi", "max_retries": 2}')
        self.assertEqual(out, 'Added job with ID: 1\nKey: job1\n')
        job = self.job('job1')
        self.assertEqual((job['key'], job['command'], job['max_retries']), ('job1', 'echo hi', 2))
        self.assertEqual(self.ok('enqueue', '{"id": "job1", "command": "echo hi"}'),
                         'Job with key job1 already exists: ID 1\n')
        self.ok('enqueue', json.dumps({'id': 'job2', 'command': 'sleep 0', 'state': 'pending',
                                       'attempts': 0, 'created_at': 'x', 'updated_at': 'x'}))
        for bad, expect in (('not json', 'JSON:'), ('[]', 'expected an object'),
                            ('{"id": "x"}', '"command" is required'),
                            ('{"command": "x", "colour": 1}', 'unknown field colour'),
                            ('{"command": ""}', 'JSON: "command" is empty'),
                            ('{"command": "x", "env": {"A": 1}}', 'the value of A must be a string'),
                            ('{"command": "x", "env": {"A=B": "c"}}', "'A=B' is not a valid"),
                            ('{"command": "x", "cwd": 5}', '"cwd" has the wrong type'),
                            ('{"command": "x", "max_retries": true}', '"max_retries" has'),
                            ('{"command": "x", "id": "7"}', 'JSON: "id": expected a name'),
                            ('{"command": "x", "max_retries": -2}',
                             'JSON: "max_retries": must be between 0 and 1000')):
            self.assertIn(expect, self.fails(2, 'enqueue', bad))

    def test_files_are_private_and_umask_is_untouched(self):
        old = os.umask(0o022)
        try:
            self.add('true')
            self.assertEqual(os.umask(0o022), 0o022)
        finally:
            os.umask(old)
        self.assertEqual(os.stat(self.db_path).st_mode & 0o777, 0o600)
        nested = self.path('a', 'b', 'q.db')
        self.ok('--db', nested, 'add', 'true')
        self.assertEqual(os.stat(nested).st_mode & 0o777, 0o600)
        self.assertEqual(os.stat(self.path('a')).st_mode & 0o777, 0o700)
        self.assertEqual(os.stat(self.path('a', 'b')).st_mode & 0o777, 0o700)

    def test_add_is_durable_across_processes(self):
        code, out, err = self.run_proc('add', 'echo persisted')
        self.assertEqual((code, out), (0, 'Added job with ID: 1\n'))
        code, out, err = self.run_proc('list')
        self.assertIn('echo persisted', out)
        with contextlib.closing(sqlite3.connect(self.db_path)) as conn:
            self.assertEqual(conn.execute('PRAGMA journal_mode').fetchone()[0], 'wal')


########################################################################
# Reading: list, show, status, logs, aliases
########################################################################

class TestReading(QueuectlTestCase):

    def test_status_seed_lines_are_exact(self):
        self.assertEqual(self.ok('status'), 'Workers: 0 active\n'
                         'Jobs: 0 total (0 pending, 0 processing, 0 completed, 0 failed, '
                         '0 in DLQ)\n')
        self.add('true')
        self.add('exit 1', '--max-retries', '0')
        self.burst(1)
        self.add('true')
        out = self.ok('status')
        self.assertEqual(out.splitlines()[:2], [
            'Workers: 0 active',
            'Jobs: 3 total (1 pending, 0 processing, 1 completed, 0 failed, 1 in DLQ)'])
        data = json.loads(self.ok('status', '--json'))
        self.assertEqual(data['workers'], 0)
        self.assertEqual(data['jobs'], {'pending': 1, 'processing': 0, 'completed': 1,
                                        'failed': 0, 'dead': 1, 'cancelled': 0, 'total': 3})
        self.assertEqual(data['queues']['default']['pending'], 1)

    def test_list_table_filters_and_json(self):
        self.add('echo one')
        self.add('--queue', 'mail', 'echo two')
        out = self.ok('list')
        self.assertEqual(out.splitlines()[0].split(), ['ID', 'Queue', 'Command', 'Status',
                                                       'Attempts', 'Next', 'Retry'])
        self.assertRegex(out, r'1\s+default\s+echo one\s+pending\s+0\s+-')
        self.assertEqual(self.ok('list', '--queue', 'mail').splitlines()[0].split(),
                         ['ID', 'Command', 'Status', 'Attempts', 'Next', 'Retry'])
        self.assertNotIn('echo one', self.ok('list', '--queue', 'mail'))
        self.assertEqual(self.ok('list', '--status', 'completed'), 'No matching jobs.\n')
        self.assertEqual(self.ok('list-jobs', '--state', 'pending'), out)
        jobs = json.loads(self.ok('list', '--json'))
        self.assertEqual([j['id'] for j in jobs], [1, 2])
        fields = {'id', 'key', 'command', 'state', 'queue', 'priority', 'attempts',
                  'max_retries', 'run_at', 'depends_on', 'timeout', 'cwd', 'env',
                  'created_at', 'updated_at', 'started_at', 'finished_at', 'exit_code',
                  'last_error', 'worker', 'preserve_env'}
        self.assertEqual(set(jobs[0]), fields)
        self.assertRegex(jobs[0]['created_at'], r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$')

    def test_list_is_bounded_and_says_how_many_more(self):
        self.ok('add', '--stdin', stdin=''.join('echo %d\n' % i for i in range(105)))
        lines = self.ok('list').splitlines()
        self.assertEqual(len(lines), 102)
        self.assertTrue(lines[1].startswith('6 '))
        self.assertEqual(lines[-1], '... 5 older jobs not shown (use --limit 0 for all)')
        self.assertEqual(len(self.ok('list', '--limit', '0').splitlines()), 106)
        self.assertEqual(len(json.loads(self.ok('list', '--limit', '3', '--json'))), 3)
        self.assertIn('must be 0 (all) or more', self.fails(2, 'list', '--limit', '-1'))

    def test_tables_escape_control_characters_and_shorten_long_commands(self):
        self.add('echo "\x1b[31mred\x1b[0m"')
        self.add('echo ' + 'x' * 200)
        out = self.ok('list', env=dict(self.env, COLUMNS='100'))
        self.assertNotIn('\x1b', out)
        self.assertIn('\\x1b[31mred', out)
        self.assertIn('xxx...', out)
        self.assertNotIn('\x1b', self.ok('show', '1'))

    def test_show_and_info_include_history(self):
        job_id = self.add('--max-retries', '1', 'echo try-$QUEUECTL_ATTEMPT; exit 4')
        self.burst(1)
        job = json.loads(self.ok('info', str(job_id), '--json'))
        self.assertEqual(job['state'], 'dead')
        self.assertEqual(job['attempts'], 2)
        self.assertEqual(job['exit_code'], 4)
        self.assertEqual(job['last_error'], 'exit status 4: try-2')
        self.assertEqual([(h['attempt'], h['exit_code']) for h in job['history']],
                         [(1, 4), (2, 4)])
        text = self.ok('show', str(job_id))
        self.assertRegex(text, r'State: +dead\n')
        self.assertRegex(text, r'Attempts: +2 of 2\n')
        self.assertIn('History:', text)
        self.assertIn('no job with id or key', self.fails(1, 'show', '77'))
        self.assertIn("no job with id or key 'nokey'", self.fails(1, 'info', 'nokey'))

    def test_logs_have_a_header_per_attempt(self):
        job_id = self.add('--max-retries', '1', 'echo "attempt $QUEUECTL_ATTEMPT"; exit 1')
        self.assertIn('has not run yet', self.ok('logs', str(job_id)))
        self.burst(1)
        out = self.ok('logs', str(job_id))
        self.assertRegex(out, r'=== job 1 attempt 1: started .* ===\nattempt 1\n'
                              r'=== exit status 1 after \d+ms ===\n'
                              r'=== job 1 attempt 2: started .* ===\nattempt 2\n')
        self.assertEqual(self.ok('logs', str(job_id), '--attempt', '2'), 'attempt 2\n')
        self.assertIn('has no attempt 3', self.fails(1, 'logs', str(job_id), '--attempt', '3'))

    def test_usage_errors_exit_2_without_traceback(self):
        for argv in ((), ('frobnicate',), ('list', '--limit', 'x'), ('worker',),
                     ('dlq', 'retry'), ('wait',), ('config', 'set'), ('show',)):
            err = self.fails(2, *argv)
            self.assertIn('queuectl: error:', err)

    def test_version_and_help(self):
        code, out, err = self.cli('--version')
        self.assertEqual((code, out), (0, 'queuectl %s\n' % queuectl.__version__))
        self.assertIn('examples:', self.ok('--help'))
        for name in ('add', 'list', 'show', 'logs', 'status', 'worker', 'dlq', 'cancel', 'wait',
                     'pause', 'resume', 'prune', 'config', 'enqueue', 'add-command',
                     'list-jobs', 'info', 'show-dlq', 'retry-dlq', 'start-workers',
                     'start-workers-cmd', 'requeue', 'limit'):
            self.assertIn('examples:', self.ok(name, '--help'), name)
        for argv in (('worker', 'start'), ('worker', 'stop'), ('worker', 'list'),
                     ('dlq', 'list'), ('dlq', 'retry'), ('config', 'set')):
            self.assertIn('examples:', self.ok(*(argv + ('--help',))), argv)
        self.assertIn('--burst', self.ok('worker', 'start', '--help'))

    def test_list_into_a_closed_pipe_ends_quietly(self):
        self.ok('add', '--stdin', stdin=''.join('echo %d\n' % i for i in range(300)))
        # pipefail: the exit status is queuectl's, 0 however early head stops reading.
        proc = subprocess.run('set -o pipefail; "%s" "%s" list --limit 0 | head -1'
                              % (sys.executable, SCRIPT), shell=True, executable='/bin/bash',
                              env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=30)
        self.assertEqual((proc.returncode, proc.stderr), (0, b''))
        self.assertTrue(proc.stdout.startswith(b'ID'))


########################################################################
# Workers end to end (real processes)
########################################################################

class TestWorkers(QueuectlTestCase):

    def test_three_hundred_jobs_on_four_workers_each_run_exactly_once(self):
        marks = self.path('marks')
        os.mkdir(marks)
        lines = ''.join('echo x >> %s/$QUEUECTL_JOB_ID\n' % marks for _ in range(300))
        self.ok('add', '--stdin', stdin=lines)
        self.burst(4)
        runs = {}
        for name in os.listdir(marks):
            with open(os.path.join(marks, name)) as handle:
                runs[int(name)] = len(handle.read().split())
        self.assertEqual(sorted(runs), list(range(1, 301)))
        self.assertEqual(set(runs.values()), {1})
        self.assertIn('300 completed', self.ok('status'))
        self.assert_integrity()

    def test_failing_job_is_retried_with_growing_gaps_then_dead(self):
        job_id = self.add('--max-retries', '3', 'date +%s.%N >> times; exit 1')
        log = self.burst(1, env={'QUEUECTL_BACKOFF_BASE': '0.2'})
        with open(self.path('times')) as handle:
            times = [float(t) for t in handle.read().split()]
        self.assertEqual(len(times), 4)
        gaps = [b - a for a, b in zip(times, times[1:])]
        for gap, expected in zip(gaps, (0.2, 0.4, 0.8)):
            self.assertGreaterEqual(gap, expected - 0.02)
            self.assertLess(gap, expected + 1.0)
        self.assertTrue(gaps[0] < gaps[1] < gaps[2], gaps)
        self.assertEqual(self.state(job_id), 'dead')
        self.assertIn('moved to the DLQ', log)
        self.assertIn('retry 1/3 in 200ms', log)

    def test_dlq_retry_resets_attempts_and_the_job_runs_again(self):
        flag = self.path('flag')
        job_id = self.add('--max-retries', '0', '--key', 'flaky', 'test -e %s' % flag)
        self.burst(1)
        self.assertRegex(self.ok('dlq', 'list'),
                         r'1\s+flaky\s+test -e .*\s+1\s+\S+ \S+\s+exit status 1')
        self.assertEqual(self.ok('show-dlq'), self.ok('dlq', 'list'))
        self.assertEqual(json.loads(self.ok('dlq', 'list', '--json'))[0]['id'], job_id)
        open(flag, 'w').close()
        self.assertEqual(self.ok('dlq', 'retry', 'flaky'), 'Requeued job 1 from the DLQ\n')
        job = self.job(job_id)
        self.assertEqual((job['state'], job['attempts']), ('pending', 0))
        self.assertIn('not in the DLQ (it is pending)', self.fails(1, 'retry-dlq', '1'))
        self.burst(1)
        self.assertEqual(self.state(job_id), 'completed')
        self.assertEqual(self.ok('dlq', 'list'), 'The DLQ is empty.\n')

    def test_retry_dlq_all(self):
        for _ in range(3):
            self.add('--max-retries', '0', 'false')
        self.burst(2)
        self.assertEqual(self.ok('retry-dlq', '--all'), 'Requeued 3 jobs from the DLQ\n')
        self.assertIn('3 pending', self.ok('status'))
        self.assertIn('ids or --all', self.fails(2, 'dlq', 'retry', '1', '--all'))

    def test_unknown_command_and_missing_cwd_end_in_dlq(self):
        missing = self.add('--max-retries', '1', 'no_such_command_queuectl_test')
        folder = self.path('gone')
        os.mkdir(folder)
        vanished = self.add('--max-retries', '0', '--cwd', folder, 'true')
        os.rmdir(folder)
        self.burst(1)
        job = self.job(missing)
        self.assertEqual((job['state'], job['attempts'], job['exit_code']), ('dead', 2, 127))
        self.assertIn('command not found', job['last_error'])
        job = self.job(vanished)
        self.assertEqual(job['state'], 'dead')
        self.assertIn('cannot start', job['last_error'])

    def test_jobs_survive_between_processes_and_pools(self):
        code, out, _ = self.run_proc('add', '-q', 'echo first')
        self.burst(1)
        self.run_proc('add', 'echo second')
        self.burst(1)
        jobs = json.loads(self.ok('list', '--json'))
        self.assertEqual([j['state'] for j in jobs], ['completed', 'completed'])
        self.assertEqual(self.ok('logs', '2', '--attempt', '1'), 'second\n')

    def test_status_counts_live_workers_from_another_process(self):
        pool = self.start_pool(2)
        self.assertIn('Workers: 2 active', self.ok('status'))
        rows = json.loads(self.ok('worker', 'list', '--json'))
        self.assertEqual(sorted(r['role'] for r in rows), ['pool', 'worker', 'worker'])
        pool.send_signal(signal.SIGTERM)
        self.assertEqual(pool.wait(timeout=15), 0)
        self.assertIn('Workers: 0 active', self.ok('status'))

    def test_output_is_captured_and_capped_per_attempt(self):
        job_id = self.add('head -c 3000000 /dev/zero | tr "\\0" a; echo; echo END')
        self.burst(1, env={'QUEUECTL_MAX_LOG_BYTES': '100000'})
        data = self.ok('logs', str(job_id), '--attempt', '1')
        self.assertLess(len(data), 101000)
        self.assertTrue(data.startswith('aaaa'))
        self.assertTrue(data.endswith('END\n'))
        self.assertIn('bytes of output dropped', data)
        self.assertEqual(self.state(job_id), 'completed')

    def test_binary_output_is_kept_byte_for_byte(self):
        job_id = self.add("printf '\\000\\377\\033[2J\\n'")
        self.burst(1)
        code, out, err = self.run_proc('logs', str(job_id), '--attempt', '1')
        self.assertEqual(code, 0)
        proc = subprocess.run([sys.executable, SCRIPT, 'logs', str(job_id), '--attempt', '1'],
                              env=self.env, stdout=subprocess.PIPE, timeout=30)
        self.assertEqual(proc.stdout, b'\x00\xff\x1b[2J\n')

    @unittest.skipUnless(LINUX, 'reads /proc')
    def test_workers_are_forked_children_of_the_pool_not_spawned(self):
        pool = self.start_pool(2)
        with open('/proc/%d/cmdline' % pool.pid, 'rb') as handle:
            pool_cmdline = handle.read()
        for pid, pool_pid, _ in self.worker_rows(pool_pid=pool.pid):
            with open('/proc/%d/stat' % pid) as handle:
                parent = int(handle.read().rsplit(')', 1)[1].split()[1])
            self.assertEqual(parent, pool.pid)
            with open('/proc/%d/cmdline' % pid, 'rb') as handle:   # forked: same argv
                self.assertEqual(handle.read(), pool_cmdline)
        pool.send_signal(signal.SIGTERM)
        self.assertEqual(pool.wait(timeout=15), 0)


########################################################################
# Reliability: real faults (kill -9, SIGSTOP, signals, load, bad paths)
########################################################################

def note(text):
    """A measured figure, printed to stderr so that it shows in the test run."""
    sys.stderr.write('\n[reliability] %s\n' % text)
    sys.stderr.flush()


class Drain(object):
    """Reads a pipe in a thread so that a long-running process never blocks on it."""

    def __init__(self, stream):
        self.chunks = []
        self.lock = threading.Lock()
        self.stream = stream
        self.thread = threading.Thread(target=self._run)
        self.thread.daemon = True
        self.thread.start()

    def _run(self):
        try:
            while True:
                data = os.read(self.stream.fileno(), 65536)
                if not data:
                    break
                with self.lock:
                    self.chunks.append(data)
        except (OSError, ValueError):
            pass
        finally:
            try:
                self.stream.close()
            except Exception:
                pass

    def text(self):
        with self.lock:
            return b''.join(self.chunks).decode('utf-8', 'replace')

    def join(self, timeout=15):
        self.thread.join(timeout)
        return self.text()


class ReliabilityCase(QueuectlTestCase):
    """Helpers for pools whose output is drained, direct DB reads, pid files."""

    def setUp(self):
        QueuectlTestCase.setUp(self)
        self.env['PYTHONDONTWRITEBYTECODE'] = '1'

    # -- processes --------------------------------------------------------

    def spawn_drained(self, *argv, **kwargs):
        """spawn() whose stdout and stderr are read in threads (proc.out/proc.err)."""
        proc = self.spawn(*argv, **kwargs)
        proc.out, proc.err = Drain(proc.stdout), Drain(proc.stderr)
        proc.stdout = proc.stderr = None       # the Drain threads own them now
        return proc

    def pool(self, count=1, *extra, **kwargs):
        """A foreground pool (drained output), once its workers registered."""
        proc = self.spawn_drained('worker', 'start', '--count', str(count), *extra, **kwargs)
        self.wait_until(lambda: len(self.worker_rows(pool_pid=proc.pid)) >= count or
                        proc.poll() is not None, what='%d workers registered' % count)
        self.assertIsNone(proc.poll(), 'pool exited at start-up:\n' + proc.err.text())
        return proc

    def stop_pool(self, proc, signum=signal.SIGTERM, timeout=20):
        proc.send_signal(signum)
        code = proc.wait(timeout=timeout)
        log = proc.err.join()
        self.assertNotIn('Traceback', log)
        return code, log

    def become_subreaper(self):
        """Adopt orphaned descendants and never reap them until the test ends.

        Stands in for a container whose PID 1 does not reap (docker without
        --init): a dead pool or worker then stays a zombie. (Here PID 1 reaps
        only every ~2 s, which is enough to expose the same bug by chance.)
        """
        if not LINUX:
            self.skipTest('needs prctl(PR_SET_CHILD_SUBREAPER)')
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(36, 1, 0, 0, 0) != 0:                 # PR_SET_CHILD_SUBREAPER
            self.skipTest('prctl(PR_SET_CHILD_SUBREAPER) failed')

        def restore():
            libc.prctl(36, 0, 0, 0, 0)
            known = set(p.pid for p in self.procs)
            for pid in _adopted_zombies(known):
                try:
                    os.waitpid(pid, 0)
                except OSError:
                    pass
        self.addCleanup(restore)       # runs before _reap_procs: procs are left alone

    # -- the database, read directly --------------------------------------

    def query(self, sql, params=()):
        with contextlib.closing(sqlite3.connect(self.db_path, timeout=10)) as conn:
            return conn.execute(sql, params).fetchall()

    def job_count(self):
        """Rows in jobs; 0 while the schema has not been committed yet."""
        try:
            return self.query('SELECT COUNT(*) FROM jobs')[0][0]
        except sqlite3.OperationalError as exc:
            if 'no such table' not in str(exc):
                raise
            return 0

    def row(self, job_id):
        names = ('state', 'attempts', 'last_error', 'pgid', 'owner', 'worker')
        rows = self.query('SELECT %s FROM jobs WHERE id = ?' % ', '.join(names), (job_id,))
        return dict(zip(names, rows[0])) if rows else None

    def history(self, job_id):
        return self.job(job_id)['history']

    def wait_pid_file(self, path, timeout=15):
        """The pid a job wrote with `echo $$ > path` (waits for the whole line)."""
        def read():
            try:
                with open(path) as handle:
                    text = handle.read()
            except OSError:
                return None
            return int(text) if text.endswith('\n') else None
        return self.wait_until(read, timeout, what='pid file %s' % os.path.basename(path))

    def lines(self, name):
        try:
            with open(self.path(name)) as handle:
                return handle.read().split()
        except OSError:
            return []

    def assert_group_gone(self, pgid):
        if LINUX:
            self.assertEqual(live_group_members(pgid), [],
                             'process group %d still has live members' % pgid)


########################################################################
# Workers that die: kill -9, a job killing its worker, a frozen worker
########################################################################

class TestWorkerDeath(ReliabilityCase):

    def test_a_claim_whose_worker_is_no_longer_registered_is_recovered(self):
        job_id = self.add('touch ran')
        with contextlib.closing(sqlite3.connect(self.db_path)) as conn:   # a leaked claim
            conn.execute("UPDATE jobs SET state = 'processing', attempts = 1, "
                         "owner = 'gone', worker = ? WHERE id = ?",
                         ('%s:999999' % queuectl.this_host(), job_id))
            conn.commit()
        log = self.burst(1)
        self.assertIn('worker lost (its worker is no longer registered)', log)
        job = self.job(job_id)
        self.assertEqual((job['state'], job['attempts']), ('completed', 2))
        self.assertTrue(os.path.exists(self.path('ran')))

    def test_the_supervisor_recovers_lost_jobs_while_its_workers_are_busy(self):
        fast = {'QUEUECTL_LEASE_SECONDS': '1', 'QUEUECTL_HEARTBEAT_SECONDS': '0.2'}
        busy = self.add('sleep 20')
        lost = self.add('echo $$ > pid; sleep 20')
        doomed = self.start_pool(2, env=fast)
        self.wait_until(lambda: os.path.exists(self.path('pid')), what='second job started')
        self.wait_state(busy, 'processing')
        os.killpg(doomed.pid, signal.SIGKILL)          # a whole pool dies with both jobs
        doomed.wait()
        self.add('--priority', '9', 'sleep 20')
        survivor = self.start_pool(1, env=fast)        # its one worker takes the new job
        started = time.monotonic()
        self.wait_until(lambda: self.row(busy)['state'] != 'processing' and
                        self.row(lost)['state'] != 'processing', timeout=10,
                        what='jobs of the dead pool recovered by the busy pool')
        note('a busy pool recovered a dead pool\'s jobs in %.2fs' % (time.monotonic() - started))
        self.assertEqual(self.row(lost)['last_error'], 'worker lost')
        survivor.send_signal(signal.SIGUSR2)
        survivor.wait(timeout=15)

    @unittest.skipUnless(LINUX, 'reads /proc')
    def test_jobs_inherit_no_descriptors_from_whoever_started_the_pool(self):
        job_id = self.add('ls /proc/$$/fd')
        read_fd, write_fd = os.pipe()
        os.set_inheritable(write_fd, True)              # e.g. a script's `flock 9`
        try:
            code, out, err = self.run_proc('worker', 'start', '--burst', '--count', '1',
                                           pass_fds=(write_fd,))
        finally:
            os.close(read_fd)
            os.close(write_fd)
        self.assertEqual(code, 0, err)
        own = subprocess.check_output(['/bin/sh', '-c', 'ls /proc/$$/fd'], close_fds=True,
                                      stdin=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        listed = self.ok('logs', str(job_id), '--attempt', '1')   # the shell's own fds only
        self.assertEqual(sorted(listed.split()), sorted(own.decode().split()))
        self.assertEqual(self.state(job_id), 'completed')

    def test_kill_9_worker_mid_job_is_recovered_at_once_and_rerun(self):
        # Default lease (30 s): a recovery within a few seconds can only come
        # from the supervisor seeing its child die, not from the lease.
        job_id = self.add('echo $$ > pid.$QUEUECTL_ATTEMPT; '
                          'if [ "$QUEUECTL_ATTEMPT" = 1 ]; then sleep 30; fi')
        pool = self.pool(1)
        pgid = self.wait_pid_file(self.path('pid.1'))
        self.wait_until(lambda: self.row(job_id)['pgid'] == pgid, what='pgid recorded')
        worker_pid = int(self.row(job_id)['worker'].rsplit(':', 1)[1])
        self.assertIn(worker_pid, [r[0] for r in self.worker_rows(pool_pid=pool.pid)])
        self.assertNotEqual(live_group_members(pgid), [])

        killed = time.monotonic()
        os.kill(worker_pid, signal.SIGKILL)
        seen = self.wait_until(
            lambda: (lambda r: r if r['attempts'] >= 2 or r['state'] != 'processing'
                     else None)(self.row(job_id)),
            timeout=25, interval=0.005, what='job back in play')
        back_in_play = time.monotonic() - killed
        # The old group was killed before the job was handed back.
        self.assert_group_gone(pgid)
        self.wait_until(lambda: os.path.exists(self.path('pid.2')), what='attempt 2 started')
        rerun = time.monotonic() - killed
        note('kill -9 worker -> job back in play in %.3fs (seen as %s, attempts %d, %s); '
             'attempt 2 started %.3fs after the kill'
             % (back_in_play, seen['state'], seen['attempts'], seen['last_error'], rerun))
        self.assertLess(back_in_play, 5, 'recovery must not wait for the 30s lease')

        self.wait_state(job_id, 'completed')
        job = self.job(job_id)
        self.assertEqual(job['attempts'], 2)
        self.assertEqual([h['error'] for h in job['history']], ['worker lost', None])
        self.assertEqual([h['attempt'] for h in job['history']], [1, 2])
        self.assertNotEqual(self.wait_pid_file(self.path('pid.2')), pgid)
        # The dead worker was replaced and its registration dropped.
        self.wait_until(lambda: len(self.worker_rows(pool_pid=pool.pid)) == 1 and
                        worker_pid not in [r[0] for r in self.worker_rows(pool_pid=pool.pid)],
                        what='dead worker replaced')
        code, log = self.stop_pool(pool)
        self.assertEqual(code, 0, log)
        self.assertIn('worker lost', log)
        self.assert_integrity()

    def test_kill_9_whole_pool_then_a_new_burst_recovers_every_job(self):
        # The killed workers stay zombies (nobody reaps them): they are dead all
        # the same, and a new pool must recover their jobs at once, not when
        # their leases run out.
        self.become_subreaper()
        self.env['QUEUECTL_LEASE_SECONDS'] = '8'
        ids = [self.add('echo $$ > pid.$QUEUECTL_JOB_ID.$QUEUECTL_ATTEMPT; '
                        'echo $QUEUECTL_ATTEMPT >> runs.$QUEUECTL_JOB_ID; '
                        'if [ "$QUEUECTL_ATTEMPT" = 1 ]; then sleep 30; fi')
               for _ in range(2)]
        pool = self.pool(2)
        pgids = [self.wait_pid_file(self.path('pid.%d.1' % i)) for i in ids]
        for job_id, pgid in zip(ids, pgids):
            self.wait_until(lambda: self.row(job_id)['pgid'] == pgid, what='pgid recorded')
        os.killpg(pool.pid, signal.SIGKILL)       # supervisor and workers, not the jobs
        pool.wait(timeout=10)
        self.wait_until(lambda: all(not pid_alive_not_zombie(r[0]) for r in self.worker_rows()),
                        what='workers dead')
        for job_id, pgid in zip(ids, pgids):
            self.assertEqual(self.row(job_id)['state'], 'processing')
            # The jobs run in sessions of their own: they outlived the pool.
            self.assertNotEqual(live_group_members(pgid), [])

        started = time.monotonic()
        log = self.burst(2)
        took = time.monotonic() - started
        note('kill -9 of a whole pool: a new burst pool recovered and re-ran both jobs '
             'in %.3fs (lease 8s)' % took)
        self.assertLess(took, 5, 'the dead workers\' jobs waited for their lease:\n' + log)
        for job_id, pgid in zip(ids, pgids):
            job = self.job(job_id)
            self.assertEqual((job['state'], job['attempts']), ('completed', 2), job)
            self.assertEqual([h['error'] for h in job['history']], ['worker lost', None])
            self.assertEqual(self.lines('runs.%d' % job_id), ['1', '2'])
            self.assert_group_gone(pgid)
        self.assertIn('worker lost', log)
        self.assertEqual(self.worker_rows(), [])
        self.assertEqual(self.worker_rows(role='pool'), [])
        self.assertIn('Workers: 0 active', self.ok('status'))
        self.assert_integrity()

    def test_job_that_kills_its_worker_ends_dead_after_exactly_three_attempts(self):
        # Each attempt kills its worker at once, often before the worker has
        # recorded the job's pgid: recovery must still kill the attempt's
        # processes (the `sleep 30`) before the next attempt starts. Two such
        # jobs give six chances to hit that window.
        bombs = [self.add('--max-retries', '2',
                          'echo $$ >> pids; echo $QUEUECTL_ATTEMPT >> runs.$QUEUECTL_JOB_ID; '
                          'kill -9 $PPID; sleep 30') for _ in range(2)]
        others = [self.add('touch done.$QUEUECTL_JOB_ID') for _ in range(5)]
        log = self.burst(3)
        for bomb in bombs:
            job = self.job(bomb)
            self.assertEqual((job['state'], job['attempts'], job['last_error']),
                             ('dead', 3, 'worker lost'), job)
            self.assertEqual([h['error'] for h in job['history']], ['worker lost'] * 3)
            self.assertEqual(self.lines('runs.%d' % bomb), ['1', '2', '3'])
            self.assertRegex(log, r'job %d attempt 3: worker lost \(.*\); now dead' % bomb)
        self.assertEqual(sorted(j['id'] for j in json.loads(self.ok('dlq', 'list', '--json'))),
                         bombs)
        for job_id in others:
            self.assertEqual(self.state(job_id), 'completed')
            self.assertTrue(os.path.exists(self.path('done.%d' % job_id)))
        pgids = [int(p) for p in self.lines('pids')]
        self.assertEqual(len(pgids), 6)
        survivors = [p for p in pgids if live_group_members(p)]
        self.assertEqual(survivors, [], 'attempts whose processes outlived their worker and '
                         'overlapped the next attempt')
        self.assert_integrity()

    def test_a_stalled_host_loses_its_lease_and_its_stale_result_is_fenced_off(self):
        # Two "hosts" (QUEUECTL_HOSTNAME) share the queue. Host A stalls whole
        # (SIGSTOP of its pool, as a frozen VM): host B recovers the job once the
        # lease ran out; when A resumes, its attempt is void and stopped.
        fast = {'QUEUECTL_LEASE_SECONDS': '1', 'QUEUECTL_HEARTBEAT_SECONDS': '0.2'}
        job_id = self.add(
            'echo start $QUEUECTL_ATTEMPT >> runs; echo $$ > pid.$QUEUECTL_ATTEMPT; '
            'if [ "$QUEUECTL_ATTEMPT" = 1 ]; then sleep 30; exit 3; fi; '
            'while [ ! -e go ]; do sleep 0.05; done; echo end $QUEUECTL_ATTEMPT >> runs')
        host_a = self.pool(1, env=dict(fast, QUEUECTL_HOSTNAME='host-a'))
        pgid1 = self.wait_pid_file(self.path('pid.1'))
        self.wait_until(lambda: self.row(job_id)['pgid'] == pgid1, what='pgid recorded')
        os.killpg(host_a.pid, signal.SIGSTOP)          # supervisor and worker, not the job
        self.addCleanup(kill_quietly, host_a.pid)
        stopped = time.monotonic()
        host_b = self.pool(1, env=dict(fast, QUEUECTL_HOSTNAME='host-b'))
        pgid2 = self.wait_pid_file(self.path('pid.2'), timeout=20)
        note('stalled host (lease 1s): attempt 2 started on another host %.3fs later'
             % (time.monotonic() - stopped))
        row = self.row(job_id)
        self.assertEqual((row['state'], row['attempts']), ('processing', 2))
        self.assertTrue(row['worker'].startswith('host-b:'), row)
        self.assertEqual(self.history(job_id)[0]['error'], 'worker lost')

        os.killpg(host_a.pid, signal.SIGCONT)
        self.wait_until(lambda: 'job %d attempt 1: no longer ours' % job_id in host_a.err.text()
                        or 'job %d attempt 1: result discarded' % job_id in host_a.err.text(),
                        what='the resumed host notices it lost the job')
        self.assert_group_gone(pgid1)                   # host A stopped its void attempt
        row = self.row(job_id)
        self.assertEqual((row['state'], row['attempts']), ('processing', 2), row)
        open(self.path('go'), 'w').close()
        self.wait_state(job_id, 'completed')
        job = self.job(job_id)
        self.assertEqual((job['attempts'], job['exit_code'], job['last_error']), (2, 0, None))
        self.assertEqual([(h['attempt'], h['error']) for h in job['history']],
                         [(1, 'worker lost'), (2, None)])
        self.assertEqual(self.lines('runs'), ['start', '1', 'start', '2', 'end', '2'])
        self.assertNotEqual(pgid1, pgid2)
        for pool in (host_a, host_b):
            code, log = self.stop_pool(pool)
            self.assertEqual(code, 0, log)
        self.assertEqual(self.state(job_id), 'completed')
        self.assert_integrity()

    def test_a_clock_step_past_the_lease_kills_no_job_on_this_host(self):
        # After the wall clock jumps forward by more than lease_seconds, every
        # lease on this host looks expired. Jobs here are judged by their
        # worker's pid, so nothing is recovered and the job ends as attempt 1.
        fast = {'QUEUECTL_LEASE_SECONDS': '1', 'QUEUECTL_HEARTBEAT_SECONDS': '0.1'}
        job_id = self.add('touch started; while [ ! -e go ]; do sleep 0.05; done')
        pool = self.pool(1, env=fast)
        self.wait_until(lambda: os.path.exists(self.path('started')), what='job started')
        with contextlib.closing(sqlite3.connect(self.db_path, timeout=10)) as conn:
            conn.execute('UPDATE jobs SET lease_until = lease_until - 3600')   # the jump
            conn.commit()
        other = self.pool(1, env=fast)          # another pool on this host, recovering
        time.sleep(1.0)                         # ten heartbeats of both pools
        row = self.row(job_id)
        self.assertEqual((row['state'], row['attempts']), ('processing', 1), row)
        open(self.path('go'), 'w').close()
        self.wait_state(job_id, 'completed')
        self.assertEqual([h['error'] for h in self.history(job_id)], [None])
        for proc in (pool, other):
            code, log = self.stop_pool(proc)
            self.assertEqual(code, 0, log)
            self.assertNotIn('worker lost', log)


########################################################################
# Shutdown: warm, cold, detached pools, timeouts, cancel
########################################################################

class TestShutdown(ReliabilityCase):

    def test_workers_of_a_vanished_supervisor_finish_their_job_then_exit(self):
        job_id = self.add('touch started; sleep 1; touch finished')
        pool = self.start_pool(1)
        self.wait_until(lambda: os.path.exists(self.path('started')), what='job started')
        [(worker_pid, _, _)] = self.worker_rows(pool_pid=pool.pid)
        os.kill(pool.pid, signal.SIGKILL)
        pool.wait()
        self.wait_state(job_id, 'completed')
        self.assertTrue(os.path.exists(self.path('finished')))
        self.wait_until(lambda: not queuectl.pid_alive(worker_pid),
                        what='orphaned worker %d exited' % worker_pid)
        self.assertEqual(json.loads(self.ok('show', str(job_id), '--json'))['attempts'], 1)
        self.assert_integrity()

    def test_warm_sigterm_lets_the_running_job_finish(self):
        job_id = self.add('touch started; sleep 1; touch done')
        pool = self.pool(1)
        self.wait_until(lambda: os.path.exists(self.path('started')), what='job started')
        waiting = self.add('touch second')
        code, log = self.stop_pool(pool)
        self.assertEqual(code, 0, log)
        self.assertTrue(os.path.exists(self.path('done')))
        job = self.job(job_id)
        self.assertEqual((job['state'], job['attempts']), ('completed', 1))
        # A warm stop claims nothing new.
        job = self.job(waiting)
        self.assertEqual((job['state'], job['attempts']), ('pending', 0))
        self.assertFalse(os.path.exists(self.path('second')))
        self.assertEqual(self.worker_rows(), [])
        self.assert_integrity()

    def running_job_with_a_background_child(self, tail=''):
        """A pool running a job that recorded its pgid and a background child's pid."""
        job_id = self.add('echo $$ > pid; sleep 60 & echo $! > bg; sleep 60' + tail)
        pool = self.pool(1)
        pgid = self.wait_pid_file(self.path('pid'))
        bg = self.wait_pid_file(self.path('bg'))
        self.wait_until(lambda: self.row(job_id)['pgid'] == pgid, what='pgid recorded')
        return job_id, pool, pgid, bg

    def test_double_sigterm_kills_the_job_group_and_hands_the_job_back(self):
        job_id, pool, pgid, bg = self.running_job_with_a_background_child()
        # Two back-to-back kill() calls can merge into one delivery (the kernel
        # keeps one pending SIGTERM; CPython runs a handler once per batch), so
        # the second comes once the pool has acted on the first, as a person's would.
        pool.send_signal(signal.SIGTERM)
        self.wait_until(lambda: 'stopping: running jobs may finish' in pool.err.text(),
                        what='warm stop begun')
        self.assertIsNone(pool.poll())
        self.assertNotEqual(live_group_members(pgid), [])     # warm: the job still runs
        started = time.monotonic()
        code, log = self.stop_pool(pool)
        note('second SIGTERM -> pool exited in %.3fs' % (time.monotonic() - started))
        self.assertEqual(code, 0, log)
        self.assert_group_gone(pgid)
        self.assertFalse(pid_alive_not_zombie(bg), 'background child survived')
        job = self.job(job_id)
        self.assertEqual((job['state'], job['attempts']), ('pending', 0), job)
        self.assertEqual(self.worker_rows(), [])
        self.assertIn('back to pending', log)
        self.assert_integrity()

    def test_an_interrupted_run_keeps_its_number_and_its_output(self):
        job_id = self.add('echo run $QUEUECTL_ATTEMPT; touch started.$QUEUECTL_ATTEMPT; '
                          'if [ "$QUEUECTL_ATTEMPT" = 1 ]; then sleep 60; fi')
        pool = self.pool(1)
        self.wait_until(lambda: os.path.exists(self.path('started.1')), what='run 1')
        code, log = self.stop_pool(pool, signal.SIGUSR2)          # stop now
        self.assertEqual(code, 0, log)
        self.assertIn('job %d attempt 1 interrupted by shutdown; back to pending, not counted'
                      % job_id, log)
        job = self.job(job_id)
        self.assertEqual((job['state'], job['attempts']), ('pending', 0))
        self.burst(1)
        job = self.job(job_id)
        self.assertEqual((job['state'], job['attempts']), ('completed', 1))
        self.assertEqual([(h['attempt'], h['error']) for h in job['history']],
                         [(1, 'interrupted by shutdown; attempt not counted'), (2, None)])
        self.assertEqual(self.ok('logs', str(job_id), '--attempt', '1'), 'run 1\n')
        self.assertEqual(self.ok('logs', str(job_id), '--attempt', '2'), 'run 2\n')

    def test_detached_pool_list_stop_and_stop_now(self):
        # The detached pool is adopted by this process, which does not reap it
        # (as a container's PID 1 may not): `worker stop` must still return.
        self.become_subreaper()
        code, out, err = self.run_proc('worker', 'start', '--detach', '--count', '2')
        self.assertEqual(code, 0, err)
        self.assertIn('Started 2 worker processes', out)
        pool_pid = int(out.split('Pool ')[1].split()[0])
        self.addCleanup(kill_quietly, pool_pid)
        rows = json.loads(self.ok('worker', 'list', '--json'))
        self.assertEqual(sorted(r['role'] for r in rows), ['pool', 'worker', 'worker'])
        self.assertTrue(all(r['detached'] for r in rows if r['role'] == 'pool'))
        self.assertTrue(all(r['pool_pid'] == pool_pid for r in rows if r['role'] == 'worker'))
        self.assertIn('Workers: 2 active', self.ok('status'))
        code, out, err = self.run_proc('worker', 'stop', timeout=15)
        self.assertEqual((code, out), (0, 'Stopped 1 worker pool.\n'), err)
        self.assertFalse(pid_alive_not_zombie(pool_pid))
        self.assertIn('Workers: 0 active', self.ok('status'))
        self.assertEqual(self.ok('worker', 'list'), 'No live workers.\n')

        # stop --now while a job runs: the job goes back to pending, uncharged.
        code, out, err = self.run_proc('worker', 'start', '--detach', '--count', '1')
        self.assertEqual(code, 0, err)
        pool_pid = int(out.split('Pool ')[1].split()[0])
        self.addCleanup(kill_quietly, pool_pid)
        job_id = self.add('echo $$ > pid; sleep 60')
        pgid = self.wait_pid_file(self.path('pid'))
        self.wait_until(lambda: self.row(job_id)['pgid'] == pgid, what='pgid recorded')
        with open(self.path('queue.worker.log')) as handle:     # logged while it runs
            self.assertIn('job %d attempt 1 started: echo' % job_id, handle.read())
        rows = json.loads(self.ok('worker', 'list', '--json'))
        held = [r for r in rows if r['role'] == 'worker']
        self.assertEqual([(r['pool_pid'], r['job']) for r in held], [(pool_pid, job_id)])
        table = self.ok('worker', 'list')
        self.assertRegex(table, r'\n%d\s+worker\s+.*\s%d\s+all' % (held[0]['pid'], job_id))
        self.assertRegex(table, r'\n%d\s+pool\s+' % pool_pid)
        started = time.monotonic()
        code, out, err = self.run_proc('worker', 'stop', '--now', timeout=15)
        note('worker stop --now on a detached pool took %.3fs' % (time.monotonic() - started))
        self.assertEqual((code, out), (0, 'Stopped 1 worker pool.\n'), err)
        self.assertFalse(pid_alive_not_zombie(pool_pid))
        self.assert_group_gone(pgid)
        job = self.job(job_id)
        self.assertEqual((job['state'], job['attempts']), ('pending', 0), job)
        self.assertIn('Workers: 0 active', self.ok('status'))
        with open(self.path('queue.worker.log')) as handle:
            self.assertNotIn('Traceback', handle.read())
        self.assert_integrity()

    def test_timeout_kills_background_grandchildren_even_if_they_ignore_term(self):
        job_id = self.add('--timeout', '1', '--max-retries', '0',
                          'echo $$ > pid; sleep 60 & echo $! > bg; '
                          '(trap "" TERM; sleep 60) & echo $! > stubborn; sleep 60')
        started = time.monotonic()
        log = self.burst(1)
        took = time.monotonic() - started
        job = self.job(job_id)
        self.assertEqual((job['state'], job['last_error']), ('dead', 'timed out after 1s'), job)
        self.assertEqual(job['history'][0]['error'], 'timed out after 1s')
        self.assert_group_gone(self.wait_pid_file(self.path('pid')))
        for name in ('bg', 'stubborn'):
            self.assertFalse(pid_alive_not_zombie(self.wait_pid_file(self.path(name))), name)
        # 1 s timeout + 1 s kill grace (TERM is ignored by one child) + start-up.
        self.assertLess(took, 10, log)
        self.assert_integrity()

    @unittest.skipUnless(LINUX, 'claims are found through /proc')
    def test_timeout_also_kills_a_process_that_left_the_session(self):
        job_id = self.add('--timeout', '1', '--max-retries', '0',
                          'setsid sh -c "echo \\$\\$ > escaped; exec sleep 60" & sleep 60')
        self.burst(1)
        self.assertEqual(self.state(job_id), 'dead')
        escaped = self.wait_pid_file(self.path('escaped'))
        self.assertFalse(pid_alive_not_zombie(escaped))
        self.assertEqual(job_pids_with_home(self.home), [])

    def test_cancel_running_job_kills_its_group_promptly(self):
        job_id, pool, pgid, bg = self.running_job_with_a_background_child('; touch finished')
        started = time.monotonic()
        code, out, err = self.run_proc('cancel', str(job_id))
        took = time.monotonic() - started
        note('cancel of a running job returned in %.3fs' % took)
        self.assertEqual((code, out, err), (0, 'Cancelled job %d\n' % job_id, ''))
        self.assertLess(took, 5)
        self.assert_group_gone(pgid)
        self.assertFalse(pid_alive_not_zombie(bg))
        self.wait_until(lambda: 'job %d attempt 1: no longer ours' % job_id in pool.err.text()
                        or 'job %d attempt 1: result discarded' % job_id in pool.err.text(),
                        what='worker notices the cancel')
        job = self.job(job_id)
        self.assertEqual((job['state'], job['last_error']), ('cancelled', 'cancelled'))
        self.assertEqual(self.row(job_id)['owner'], None)
        self.assertFalse(os.path.exists(self.path('finished')))
        # The worker is free again and runs the next job.
        nxt = self.add('true')
        self.wait_state(nxt, 'completed')
        code, log = self.stop_pool(pool)
        self.assertEqual(code, 0, log)
        self.assertEqual(self.state(job_id), 'cancelled')
        self.assert_integrity()


def proc_children(parent):
    """(pid, state) of every child of a process, zombies included (Linux /proc scan)."""
    found = []
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % entry, 'rb') as handle:
                data = handle.read()
        except OSError:
            continue
        fields = data[data.rindex(b')') + 2:].split()
        if int(fields[1]) == parent:
            found.append((int(entry), fields[0]))
    return found


def _adopted_zombies(known):
    """Zombie children of this process that it did not start itself."""
    return [pid for pid, state in proc_children(os.getpid())
            if state == b'Z' and pid not in known]


def pid_alive_not_zombie(pid):
    """A process that runs (a zombie awaiting its reaper does not count; Linux
    /proc, kill(0) elsewhere)."""
    if not LINUX:
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        return True
    try:
        with open('/proc/%d/stat' % pid, 'rb') as handle:
            data = handle.read()
    except OSError:
        return False
    return data[data.rindex(b')') + 2:][:1] not in (b'Z', b'X')


def kill_quietly(pid):
    if pid_alive_not_zombie(pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


########################################################################
# One database session per pool: the supervisor claims and records
########################################################################

def pool_cpu_seconds(pid):
    """User + system CPU seconds a process used so far (Linux /proc)."""
    with open('/proc/%d/stat' % pid, 'rb') as handle:
        fields = handle.read().rsplit(b')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / float(os.sysconf('SC_CLK_TCK'))


def child_pids(parent):
    """Live (non-zombie) children of a process (Linux /proc scan)."""
    return [pid for pid, state in proc_children(parent) if state not in (b'Z', b'X')]


@unittest.skipUnless(LINUX, 'reads /proc')
class TestPoolSession(ReliabilityCase):

    def test_a_pool_of_any_size_holds_one_database_connection(self):
        ids = [self.add('touch started.$QUEUECTL_JOB_ID; while [ ! -e go ]; do sleep 0.02; done')
               for _ in range(4)]
        pool = self.pool(4)
        self.wait_until(lambda: all(os.path.exists(self.path('started.%d' % i)) for i in ids),
                        what='four jobs running')
        real = os.path.realpath(self.db_path)
        holders = {}
        for pid in [pool.pid] + child_pids(pool.pid):
            for fd in os.listdir('/proc/%d/fd' % pid):
                try:
                    if os.readlink('/proc/%d/fd/%s' % (pid, fd)) == real:
                        holders[pid] = holders.get(pid, 0) + 1
                except OSError:
                    pass
        self.assertEqual(holders, {pool.pid: 1}, 'processes with the database open')
        open(self.path('go'), 'w').close()
        for job_id in ids:
            self.wait_state(job_id, 'completed')
        code, log = self.stop_pool(pool)
        self.assertEqual(code, 0, log)

    def test_a_job_claimed_for_a_worker_that_never_started_it_is_released_uncharged(self):
        pool = self.pool(1)
        [(worker_pid, _, _)] = self.worker_rows(pool_pid=pool.pid)
        os.kill(worker_pid, signal.SIGSTOP)             # it never reads the job sent to it
        job_id = self.add('--max-retries', '0', 'echo $QUEUECTL_ATTEMPT >> runs')
        self.wait_state(job_id, 'processing')
        os.kill(worker_pid, signal.SIGKILL)
        self.wait_state(job_id, ('completed', 'dead'))
        job = self.job(job_id)
        self.assertEqual((job['state'], job['attempts']), ('completed', 1), job)
        self.assertEqual([h['attempt'] for h in job['history']], [1])
        self.assertEqual(self.lines('runs'), ['1'])
        code, log = self.stop_pool(pool)
        self.assertEqual(code, 0, log)
        self.assertIn('job %d attempt 1 never started: its worker died; back to pending, '
                      'not counted' % job_id, log)

    def test_a_supervisor_killed_mid_run_leaves_its_workers_to_record_and_start_nothing(self):
        ids = [self.add('echo $QUEUECTL_ATTEMPT >> runs.$QUEUECTL_JOB_ID; '
                        'touch started.$QUEUECTL_JOB_ID; while [ ! -e go ]; do sleep 0.02; done')
               for _ in range(2)]
        pool = self.pool(2)
        self.wait_until(lambda: all(os.path.exists(self.path('started.%d' % i)) for i in ids),
                        what='both jobs running')
        workers = child_pids(pool.pid)
        waiting = self.add('touch third')
        os.kill(pool.pid, signal.SIGKILL)
        pool.wait()
        open(self.path('go'), 'w').close()
        for job_id in ids:
            self.wait_state(job_id, 'completed')
            self.assertEqual(self.job(job_id)['attempts'], 1)
            self.assertEqual(self.lines('runs.%d' % job_id), ['1'])
        self.wait_until(lambda: not any(pid_alive_not_zombie(p) for p in workers),
                        what='orphaned workers exited')
        self.assertEqual(self.worker_rows(), [])
        self.assertEqual(self.state(waiting), 'pending')
        self.assertFalse(os.path.exists(self.path('third')))
        self.burst(1)
        self.assertEqual(self.state(waiting), 'completed')
        self.assert_integrity()

    def test_a_stopped_or_dead_worker_never_blocks_its_supervisor_on_a_big_job(self):
        pool = self.pool(1)
        [(worker_pid, _, _)] = self.worker_rows(pool_pid=pool.pid)
        os.kill(worker_pid, signal.SIGSTOP)
        big = self.add('--max-retries', '0', 'true ' + 'x' * 100000)    # > a pipe's 64 KB
        self.wait_state(big, 'processing')
        os.kill(worker_pid, signal.SIGKILL)
        self.wait_state(big, 'completed')       # handed back unread, run by the new worker
        self.assertEqual(self.job(big)['attempts'], 1)
        code, log = self.stop_pool(pool)
        self.assertEqual(code, 0, log)

    def test_a_job_cancelled_before_its_worker_read_it_never_starts(self):
        pool = self.pool(1)
        [(worker_pid, _, _)] = self.worker_rows(pool_pid=pool.pid)
        os.kill(worker_pid, signal.SIGSTOP)
        job_id = self.add('touch ran')
        self.wait_state(job_id, 'processing')
        self.ok('cancel', str(job_id))          # wakes the pool, which drops the run
        time.sleep(0.3)                         # (its message queues behind the job's)
        os.kill(worker_pid, signal.SIGCONT)
        after = self.add('touch after')
        self.wait_state(after, 'completed')
        self.assertFalse(os.path.exists(self.path('ran')), 'a cancelled job started')
        code, log = self.stop_pool(pool)
        self.assertEqual(code, 0, log)

    def test_jobs_that_kill_their_worker_do_not_stop_the_pool(self):
        bombs = [self.add('--max-retries', '2', 'kill -9 $PPID') for _ in range(2)]
        fine = self.add('echo fine')
        log = self.burst(1)
        self.assertNotIn('workers keep dying', log)
        self.assertEqual([self.state(b) for b in bombs], ['dead', 'dead'])
        self.assertEqual(self.state(fine), 'completed')

    def test_an_idle_worker_does_not_stay_in_the_last_jobs_folder(self):
        folder = self.path('mounted')
        os.mkdir(folder)
        job_id = self.add('--cwd', folder, 'pwd')
        pool = self.pool(1)
        self.wait_state(job_id, 'completed')
        self.assertEqual(self.ok('logs', str(job_id), '--attempt', '1'), folder + '\n')
        [worker] = child_pids(pool.pid)
        self.assertNotEqual(os.readlink('/proc/%d/cwd' % worker), folder)
        code, log = self.stop_pool(pool)
        self.assertEqual(code, 0, log)

    def test_a_pool_whose_workers_keep_dying_stops_with_a_clear_message(self):
        pool = self.pool(1)

        def kill_its_workers():
            for pid in child_pids(pool.pid):
                kill_quietly(pid)
            return pool.poll() is not None
        self.wait_until(kill_its_workers, timeout=30, interval=0.005,
                        what='the pool gives up on its dying workers')
        code, log = self.stop_pool(pool)
        self.assertEqual(code, 1, log)
        self.assertIn('workers keep dying (5 in a row, no job finishing between); '
                      'stopping the pool', log)
        self.assertEqual(self.worker_rows(), [])
        self.assertEqual(self.worker_rows(role='pool'), [])

    def test_a_retry_made_runnable_by_recovery_runs_without_waiting_for_a_poll(self):
        slow = {'QUEUECTL_POLL_INTERVAL': '60', 'QUEUECTL_HEARTBEAT_SECONDS': '0.2',
                'QUEUECTL_BACKOFF_BASE': '0'}
        self.add('echo $QUEUECTL_ATTEMPT >> runs; if [ "$QUEUECTL_ATTEMPT" = 1 ]; then '
                 'sleep 30; fi')
        doomed = self.pool(1, env=slow)
        self.wait_until(lambda: self.lines('runs') == ['1'], what='attempt 1 running')
        survivor = self.pool(1, env=slow)               # idle; nobody will wake it
        os.killpg(doomed.pid, signal.SIGKILL)
        doomed.wait()
        killed = time.monotonic()
        self.wait_until(lambda: self.lines('runs') == ['1', '2'], timeout=10,
                        what='attempt 2 started by the idle pool')
        note('a job recovered by an idle pool (poll_interval 60s) re-ran %.2fs after its '
             'pool was killed' % (time.monotonic() - killed))
        code, log = self.stop_pool(survivor)
        self.assertEqual(code, 0, log)
        self.assertIn('worker lost', log)


class TestFullDisk(ReliabilityCase):
    """A small tmpfs as the queue's home (needs root to mount; always unmounted)."""

    def small_disk(self, size):
        if os.geteuid() != 0 or not LINUX:
            self.skipTest('mounting a tmpfs needs root on Linux')
        disk = self.path('disk')
        os.mkdir(disk, 0o700)
        done = subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=%s,mode=0700' % size,
                               'tmpfs', disk], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if done.returncode != 0:
            self.skipTest('cannot mount a tmpfs here: %s' % done.stderr.decode().strip())
        self.addCleanup(subprocess.run, ['umount', '-l', disk])
        self.env['QUEUECTL_HOME'] = disk
        self.db_path = os.path.join(disk, 'queue.db')
        return disk

    def fill(self, disk):
        """Take every free byte of the disk; returns the filler's path."""
        filler = os.path.join(disk, 'filler')
        with open(filler, 'wb') as handle:
            try:
                while True:
                    handle.write(b'\0' * 65536)
                    handle.flush()
            except OSError:
                pass
        return filler

    def test_a_full_disk_says_so_and_a_read_never_says_cannot_write(self):
        disk = self.small_disk('1m')
        self.add('true')                        # the database exists, closed (no -wal, -shm)
        self.fill(disk)
        err = self.fails(1, 'add', 'true')
        self.assertRegex(err, r'\Aqueuectl: error: cannot write database \S+: the disk is '
                              r'full\n\Z')
        code, out, err = self.cli('status')
        self.assertNotIn('cannot write', err)
        if code:
            self.assertRegex(err, r'\Aqueuectl: error: cannot read database \S+: the disk is '
                                  r'full[^\n]*\n\Z')

    @slow
    def test_a_full_disk_holds_results_and_claims_until_space_returns(self):
        disk = self.small_disk('2m')
        first = self.add('touch %s; while [ ! -e %s ]; do sleep 0.02; done'
                         % (self.path('started'), self.path('go')))
        second = self.add('touch %s' % self.path('second'))
        pool = self.pool(1, env={'QUEUECTL_HEARTBEAT_SECONDS': '0.1'})
        self.wait_until(lambda: os.path.exists(self.path('started')), what='job started')
        filler = self.fill(disk)
        refused = 0
        while refused == 0:                     # until the WAL itself has no room left
            code, _, err = self.cli('add', 'true')
            refused = code
        self.assertIn('the disk is full', err)
        open(self.path('go'), 'w').close()
        self.wait_until(lambda: 'cannot write the database' in pool.err.text(),
                        what='the pool says it cannot write')
        cpu = pool_cpu_seconds(pool.pid)
        time.sleep(0.5)                         # several heartbeats and retries
        self.assertLess(pool_cpu_seconds(pool.pid) - cpu, 0.2, 'the pool spins while blocked')
        self.assertEqual(self.row(first)['state'], 'processing')
        self.assertFalse(os.path.exists(self.path('second')), 'claimed on a full disk')
        self.assertIsNone(pool.poll())
        os.unlink(filler)
        self.wait_state(first, 'completed')
        self.wait_state(second, 'completed')
        code, log = self.stop_pool(pool)
        self.assertEqual(code, 0, log)
        self.assertEqual(log.count('cannot write the database'), 1, log)
        self.assertIn('the database takes writes again', log)
        self.assertEqual(self.job(first)['attempts'], 1)
        self.assert_integrity()


########################################################################
# Concurrency, big output, crashing adds, bad environments
########################################################################

class TestLoad(ReliabilityCase):

    WATCHDOG = 120

    # 50 processes add 20 jobs each. A `python3 queuectl.py add` costs ~0.13 s of
    # CPU here, so 1,000 separate add processes need ~65 s on 2 cores: by default
    # each process makes ADD_SINGLES separate `add` calls and one `add --stdin`
    # for the rest. RELIABILITY_SINGLE_ADDS=1 makes all 1,000 separate calls.
    ADD_PROCS = 50
    ADDS_PER_PROC = 20
    ADD_SINGLES = ADDS_PER_PROC if os.environ.get('RELIABILITY_SINGLE_ADDS') else 2

    @slow
    def test_concurrent_adds_readers_and_workers(self):
        marks = self.path('marks')
        os.mkdir(marks)
        total = self.ADD_PROCS * self.ADDS_PER_PROC
        singles, batch = self.ADD_SINGLES, self.ADDS_PER_PROC - self.ADD_SINGLES
        started = time.monotonic()
        pool = self.pool(4)
        loop_env = dict(self.env, PY=sys.executable, SCRIPT=SCRIPT)
        # Readers: status / list / status --json through main(), back to back,
        # in their own process, until told to stop.
        readers = subprocess.Popen(
            [sys.executable, '-c', READER_LOOP, os.path.dirname(SCRIPT), self.path('stop')],
            env=self.env, cwd=self.home, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, start_new_session=True)
        self.procs.append(readers)
        command = 'echo x >> %s/$QUEUECTL_JOB_ID' % marks
        script = ('i=0; while [ $i -lt %d ]; do "$PY" "$SCRIPT" add -q "$CMD" || exit 1; '
                  'i=$((i+1)); done; ' % singles)
        if batch:
            script += 'yes "$CMD" | head -n %d | "$PY" "$SCRIPT" add -q --stdin' % batch
        adders = []
        for _ in range(self.ADD_PROCS):
            proc = subprocess.Popen(
                ['/bin/sh', '-c', script],
                env=dict(loop_env, CMD=command), cwd=self.home, stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
            self.procs.append(proc)
            adders.append(proc)
        ids = []
        for proc in adders:
            out, err = proc.communicate(timeout=110)
            err = err.decode('utf-8', 'replace')
            self.assertEqual(proc.returncode, 0, err)
            self.assertNotIn('locked', err)
            self.assertNotIn('Traceback', err)
            self.assertEqual(err, '')
            ids += [int(x) for x in out.split()]
        added = time.monotonic() - started
        self.assertEqual(len(ids), total)
        self.assertEqual(len(set(ids)), total)
        self.wait_until(lambda: self.query("SELECT COUNT(*) FROM jobs WHERE state = "
                                           "'completed'")[0][0] == total,
                        timeout=100, interval=0.1, what='all jobs completed')
        done = time.monotonic() - started
        open(self.path('stop'), 'w').close()
        reads, reader_errors = readers.communicate(timeout=30)
        reader_errors = reader_errors.decode('utf-8', 'replace')
        self.assertEqual(readers.returncode, 0, reader_errors)
        code, log = self.stop_pool(pool)
        note('%d jobs from %d parallel processes (%d separate adds + %d add --stdin of %d), '
             '4 workers, %d concurrent reads: all added in %.1fs, all run in %.1fs'
             % (total, self.ADD_PROCS, self.ADD_PROCS * singles,
                self.ADD_PROCS if batch else 0, batch, int(reads), added, done))
        self.assertEqual(code, 0, log)
        self.assertNotIn('locked', log)
        self.assertNotIn('locked', reader_errors)
        self.assertNotIn('Traceback', reader_errors)
        self.assertEqual(reader_errors, '')
        runs = {}
        for name in os.listdir(marks):
            with open(os.path.join(marks, name)) as handle:
                runs[int(name)] = len(handle.read().split())
        self.assertEqual(sorted(runs), sorted(ids))
        self.assertEqual(set(runs.values()), {1})
        self.assertEqual(self.query('SELECT MAX(attempts) FROM jobs')[0][0], 1)
        self.assert_integrity()

    @slow
    def test_twenty_parallel_adds_on_a_database_that_does_not_exist_yet(self):
        self.assertFalse(os.path.exists(self.db_path))
        procs = [self.spawn('add', '-q', 'echo %d' % i) for i in range(20)]
        ids = []
        for proc in procs:
            out, err = proc.communicate(timeout=60)
            self.assertEqual((proc.returncode, err), (0, b''))
            ids.append(int(out))
        self.assertEqual(sorted(ids), list(range(1, 21)))
        self.assertEqual(self.query('SELECT COUNT(*) FROM jobs')[0][0], 20)
        self.assertEqual(stat.S_IMODE(os.stat(self.db_path).st_mode), 0o600)
        self.assert_integrity()

    @slow
    def test_huge_output_on_both_streams_is_capped(self):
        job_id = self.add('head -c 200000000 /dev/zero & head -c 200000000 /dev/zero >&2; '
                          'wait; echo END')
        started = time.monotonic()
        log = self.burst(1)
        note('400 MB of output captured in %.1fs' % (time.monotonic() - started))
        job = self.job(job_id)
        self.assertEqual((job['state'], job['attempts']), ('completed', 1), job)
        run_id = self.query('SELECT id FROM runs WHERE job_id = ?', (job_id,))[0][0]
        instance = self.query("SELECT value FROM meta WHERE name = 'instance'")[0][0]
        path = self.path('queue.logs', instance, '%d.%d.log' % (job_id, run_id))
        size = os.path.getsize(path)
        self.assertLessEqual(size, 10485760 + 200)
        self.assertGreaterEqual(size, 10485760)
        with open(path, 'rb') as handle:
            head = handle.read(5242880)
            rest = handle.read()
        self.assertEqual(head, b'\0' * 5242880)
        self.assertIn(b'[queuectl: %d bytes of output dropped here'
                      % (400000004 - 10485760), rest)
        self.assertTrue(rest.endswith(b'\0END\n'))
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        self.assert_integrity()

    @slow
    def test_kill_9_during_a_big_batch_add_is_all_or_nothing(self):
        count = 200000
        lines = ''.join('echo %d\n' % i for i in range(count)).encode()
        wal = self.db_path + '-wal'
        # Kill points: as soon as the database file exists; once the batch's
        # transaction has spilled pages into the WAL (mid-transaction).
        points = (('db file exists', lambda: os.path.exists(self.db_path)),
                  ('WAL > 2 MB', lambda: os.path.exists(wal) and
                   os.path.getsize(wal) > 2 * 1024 * 1024))
        expected = 0
        outcomes = []
        for label, ready in points:
            proc = subprocess.Popen([sys.executable, SCRIPT, 'add', '--stdin'], env=self.env,
                                    cwd=self.home, stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    start_new_session=True)
            self.procs.append(proc)
            feeder = threading.Thread(target=feed, args=(proc.stdin, lines))
            feeder.daemon = True
            feeder.start()
            self.wait_until(lambda: ready() or proc.poll() is not None, timeout=30,
                            interval=0.002, what=label)
            proc.kill()
            proc.wait()
            feeder.join(10)
            have = self.job_count()
            self.assertIn(have, (expected, expected + count), 'partial batch after kill')
            outcomes.append('%s: %s' % (label, 'all' if have > expected else 'none'))
            expected = have
            self.assert_integrity()
        note('kill -9 during add --stdin of %d lines: %s' % (count, '; '.join(outcomes)))
        # The queue still works afterwards.
        self.assertIsInstance(self.add('true'), int)
        self.assert_integrity()


READER_LOOP = '''
import io, os, sys
sys.path.insert(0, sys.argv[1])
import queuectl
calls = 0
commands = (['status'], ['list', '--limit', '5'], ['status', '--json'])
while not os.path.exists(sys.argv[2]):
    out, err = io.StringIO(), io.StringIO()
    code = queuectl.main(commands[calls % 3], out=out, err=err)
    if code != 0 or err.getvalue():
        sys.stderr.write('%s: exit %d: %s' % (commands[calls % 3], code, err.getvalue()))
    calls += 1
print(calls)
'''


def feed(stream, data):
    try:
        stream.write(data)
        stream.close()
    except (OSError, ValueError):
        pass


class TestBadEnvironments(ReliabilityCase):

    def assert_one_line_error(self, argv, code=None, contains=()):
        got, out, err = self.run_proc(*argv)
        self.assertNotEqual(got, 0, (argv, out, err))
        if code is not None:
            self.assertEqual(got, code, (argv, err))
        self.assertNotIn('Traceback', err)
        self.assertRegex(err, r'\Aqueuectl: error: [^\n]+\n\Z', argv)
        for text in contains:
            self.assertIn(text, err)
        return err

    def test_missing_folders_are_created_private(self):
        db = self.path('a', 'b', 'q.db')
        code, out, err = self.run_proc('--db', db, 'add', '-q', 'true')
        self.assertEqual((code, out.strip(), err), (0, '1', ''))
        for folder in (self.path('a'), self.path('a', 'b')):
            self.assertEqual(stat.S_IMODE(os.stat(folder).st_mode), 0o700, folder)
        self.assertEqual(stat.S_IMODE(os.stat(db).st_mode), 0o600)

    def test_unusable_database_paths_get_one_line_errors(self):
        folder = self.path('adir')
        os.mkdir(folder)
        junk = self.path('junk.db')
        data = os.urandom(4096) + b'not a database at all\n' * 100
        with open(junk, 'wb') as handle:
            handle.write(data)
        cases = (('/proc/queuectl-test/q.db', ('cannot create folder /proc/queuectl-test',)),
                 (folder, ('folder', folder)),
                 (junk, ('not a queuectl database', junk)))
        for db, contains in cases:
            for argv in (('add', 'true'), ('list',), ('status',),
                         ('worker', 'start', '--burst', '--count', '1')):
                if db.startswith('/proc/queuectl-test') and argv[0] in ('list', 'status'):
                    continue        # a database that does not exist reads as empty (below)
                self.assert_one_line_error(('--db', db) + argv, contains=contains)
        with open(junk, 'rb') as handle:
            self.assertEqual(handle.read(), data)
        self.assertEqual(os.listdir(folder), [])

    def test_another_programs_sqlite_file_is_refused_and_left_alone(self):
        foreign = self.path('app.db')
        with contextlib.closing(sqlite3.connect(foreign)) as conn:
            conn.execute('CREATE TABLE users (id, name)')
            conn.commit()
        with open(foreign, 'rb') as handle:
            before = handle.read()
        for argv in (('status',), ('list',), ('add', 'true'), ('worker', 'start', '--burst')):
            self.assert_one_line_error(('--db', foreign) + argv, code=1,
                                       contains=('not a queuectl database',
                                                 'tables of another program'))
        with open(foreign, 'rb') as handle:
            self.assertEqual(handle.read(), before)
        self.assertFalse(os.path.exists(foreign + '-wal'))

    def test_existing_read_only_folder(self):
        # Root ignores mode bits, so /proc stands in for a read-only folder.
        for argv in (('add', 'true'), ('pause',), ('worker', 'start', '--burst')):
            self.assert_one_line_error(('--db', '/proc/self/queue.db') + argv,
                                       contains=('/proc/self/queue.db',))

    def test_reading_a_database_that_does_not_exist_creates_nothing(self):
        missing = self.path('no', 'such', 'queue.db')
        code, out, err = self.run_proc('--db', missing, 'status')
        self.assertEqual((code, err), (0, ''))
        self.assertIn('Jobs: 0 total', out)
        for argv in (('list',), ('dlq', 'list'), ('worker', 'list'), ('config', 'list'),
                     ('prune',), ('worker', 'stop')):
            self.ok('--db', missing, *argv)
        self.assertIn('no job with id or key', self.fails(1, '--db', missing, 'show', '1'))
        self.assertIn('no job with id or key', self.fails(1, '--db', missing, 'cancel', '1'))
        self.assertFalse(os.path.exists(self.path('no')))

    def test_newer_schema_is_refused(self):
        self.add('true')
        with contextlib.closing(sqlite3.connect(self.db_path)) as conn:
            conn.execute('PRAGMA user_version=99')
            conn.commit()
        for argv in (('add', 'true'), ('list',), ('worker', 'start', '--burst')):
            err = self.assert_one_line_error(argv, code=1,
                                             contains=('schema version 99', 'newer',
                                                       'upgrade queuectl'))
        self.assertEqual(self.query('PRAGMA user_version')[0][0], 99)

    def test_a_full_disk_mid_batch_add_is_one_error_and_nothing_half_written(self):
        import resource
        self.add('true')
        size = os.path.getsize(self.db_path)

        def small_files():             # the file size limit makes writes fail (EFBIG)
            resource.setrlimit(resource.RLIMIT_FSIZE, (size + 64 * 1024, size + 64 * 1024))
        lines = ''.join('echo %d %s\n' % (i, 'x' * 60) for i in range(20000)).encode()
        proc = subprocess.Popen([sys.executable, SCRIPT, 'add', '--stdin'], env=self.env,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, preexec_fn=small_files)
        out, err = proc.communicate(lines, timeout=60)
        self.assertEqual(proc.returncode, 1, err)
        self.assertRegex(err.decode(), r'\Aqueuectl: error: cannot write database [^\n]+\n\Z')
        self.assertEqual(out, b'')
        self.assertEqual(len(json.loads(self.ok('list', '--json'))), 1)
        self.assert_integrity()

    def test_workers_refuse_a_database_others_can_write(self):
        job_id = self.add('touch ran')
        os.chmod(self.home, 0o777)
        self.addCleanup(os.chmod, self.home, 0o700)
        err = self.assert_one_line_error(('worker', 'start', '--burst'), code=1,
                                         contains=('writable by other users', self.home))
        os.chmod(self.home, 0o700)
        os.chmod(self.db_path, 0o666)
        err = self.assert_one_line_error(('worker', 'start', '--burst'), code=1,
                                         contains=('writable by other users', self.db_path))
        self.assertFalse(os.path.exists(self.path('ran')))
        self.assertEqual(self.state(job_id), 'pending')
        os.chmod(self.db_path, 0o600)
        # The config file names a command too (on_finish): the same rule.
        self.ok('config', 'set', 'on_finish', 'touch %s' % self.path('hooked'))
        os.chmod(self.path('config.json'), 0o666)
        self.assert_one_line_error(('worker', 'start', '--burst'), code=1,
                                   contains=('writable by other users', 'config file',
                                             self.path('config.json')))
        os.chmod(self.path('config.json'), 0o600)
        self.burst(1)
        self.assertEqual(self.state(job_id), 'completed')


########################################################################
# Flow control: dependencies, schedules, priorities, queues, keys, wait
########################################################################

def iso_to_epoch(text):
    """'2030-01-02T03:04:05.678Z' -> epoch seconds (float)."""
    whole, _, frac = text.rstrip('Z').partition('.')
    return calendar.timegm(time.strptime(whole, '%Y-%m-%dT%H:%M:%S')) + float('0.' + (frac or '0'))


def local_text(ts):
    """How the human tables print a time (local, to the second)."""
    return time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(ts))


class FlowTestCase(QueuectlTestCase):
    """Helpers shared by the flow-control tests."""

    def read(self, name):
        with open(self.path(name)) as handle:
            return handle.read()

    def stamp(self, name):
        """A time a job wrote with `date +%s.%N > name`."""
        return float(self.read(name).strip())

    def table_row(self, text, job_id):
        """The cells of job_id's row in a `list` table (split on 2+ spaces)."""
        for line in text.splitlines():
            cells = re.split(r'\s{2,}', line.strip())
            if cells and cells[0] == str(job_id):
                return cells
        self.fail('no row for job %s in:\n%s' % (job_id, text))

    def next_retry(self, job_id, *list_args):
        return self.table_row(self.ok('list', *list_args), job_id)[-1]

    def count_jobs(self):
        return len(json.loads(self.ok('list', '--limit', '0', '--json')))

    def stop_pool(self, pool):
        pool.send_signal(signal.SIGTERM)
        self.assertEqual(pool.wait(timeout=20), 0)


########################################################################
# Dependencies
########################################################################

class TestDependencies(FlowTestCase):

    def test_diamond_runs_in_a_valid_order(self):
        # A; B after A (by key); C after A (by id); D after B and C.
        timed = 'date +%%s.%%N > %s.start; sleep 0.1; date +%%s.%%N > %s.end'
        a = self.add('--key', 'diamond-a', timed % ('a', 'a'))
        b = self.add('--after', 'diamond-a', timed % ('b', 'b'))
        c = self.add('--after', str(a), timed % ('c', 'c'))
        d = self.add('--after', str(b), '--after', 'diamond-a', '--after', str(c),
                     timed % ('d', 'd'))
        self.assertEqual(self.job(b)['depends_on'], [a])
        self.assertEqual(self.job(d)['depends_on'], [a, b, c])
        self.burst(3)
        for ref in (a, b, c, d):
            self.assertEqual(self.state(ref), 'completed')
        self.assertGreaterEqual(self.stamp('b.start'), self.stamp('a.end'))
        self.assertGreaterEqual(self.stamp('c.start'), self.stamp('a.end'))
        self.assertGreaterEqual(self.stamp('d.start'), self.stamp('b.end'))
        self.assertGreaterEqual(self.stamp('d.start'), self.stamp('c.end'))
        self.assert_integrity()

    def test_list_and_show_say_what_a_waiting_job_waits_for(self):
        a = self.add('--delay', '1h', 'true')
        b = self.add('true')
        c = self.add('--after', str(a), '--after', str(b), 'true')
        self.assertEqual(self.next_retry(c), 'after %d,%d' % (a, b))
        self.assertEqual(self.job(c)['depends_on'], [a, b])
        listed = dict((j['id'], j) for j in json.loads(self.ok('list', '--json')))
        self.assertEqual(listed[c]['depends_on'], [a, b])
        self.assertEqual(listed[a]['depends_on'], [])
        self.assertRegex(self.ok('show', str(c)), r'Waits for:\s+after %d,%d' % (a, b))
        self.assertRegex(self.ok('show', str(c)), r'Depends on:\s+%d, %d' % (a, b))
        # Nothing of c runs while a waits (burst exits with a and c pending).
        self.burst(1)
        self.assertEqual([self.state(a), self.state(b), self.state(c)],
                         ['pending', 'completed', 'pending'])

    def test_dead_parent_sends_dependents_to_dlq_and_parent_retry_revives_them(self):
        flag = self.path('fixed')
        a = self.add('--max-retries', '0', 'test -e %s' % flag)
        b = self.add('--after', str(a), 'echo b >> order')
        c = self.add('--after', str(b), 'echo c >> order')      # transitive
        other = self.add('echo other')                          # unrelated
        self.burst(2)
        self.assertEqual(self.state(a), 'dead')
        self.assertEqual(self.state(other), 'completed')
        job_b, job_c = self.job(b), self.job(c)
        self.assertEqual((job_b['state'], job_b['last_error'], job_b['attempts']),
                         ('dead', 'dependency %d dead' % a, 0))
        self.assertEqual((job_c['state'], job_c['last_error']),
                         ('dead', 'dependency %d dead' % b))
        dlq = self.ok('dlq', 'list')
        self.assertIn('dependency %d dead' % a, dlq)
        self.assertEqual(sorted(j['id'] for j in json.loads(self.ok('dlq', 'list', '--json'))),
                         [a, b, c])
        self.assertIn('1 completed', self.ok('status'))
        self.assertIn('3 in DLQ', self.ok('status'))
        # Retrying a dependent alone cannot work while its parent is dead.
        err = self.fails(1, 'dlq', 'retry', str(c))
        self.assertIn('dependency %d dead' % b, err)
        self.assertEqual(self.state(c), 'dead')
        open(flag, 'w').close()
        self.assertEqual(self.ok('dlq', 'retry', str(a)),
                         'Requeued job %d from the DLQ (and 2 dependent jobs)\n' % a)
        self.assertEqual([self.state(j) for j in (a, b, c)], ['pending'] * 3)
        self.assertEqual(self.next_retry(b), 'after %d' % a)
        self.burst(2)
        self.assertEqual([self.state(j) for j in (a, b, c)], ['completed'] * 3)
        self.assertEqual(self.read('order'), 'b\nc\n')
        self.assertEqual(self.ok('dlq', 'list'), 'The DLQ is empty.\n')

    def test_a_child_awaiting_a_retry_goes_to_the_dlq_when_its_requeued_parent_dies(self):
        flag = self.path('parent-ok')
        open(flag, 'w').close()
        parent = self.add('--max-retries', '0', '--key', 'p', 'test -e %s' % flag)
        child = self.add('--after', 'p', '--max-retries', '3', 'exit 1')
        pool = self.spawn('worker', 'start', '--count', '1',
                          env={'QUEUECTL_BACKOFF_BASE': '60'})
        self.wait_state(child, 'failed')               # its retry is a minute away
        pool.send_signal(signal.SIGTERM)
        self.assertEqual(pool.wait(timeout=15), 0)
        os.unlink(flag)
        self.ok('requeue', 'p')                        # the child waits for it again
        self.burst(1)                                  # the parent dies this time
        self.assertEqual(self.state(parent), 'dead')
        job = self.job(child)
        self.assertEqual((job['state'], job['last_error']), ('dead', 'dependency %d dead' % parent))

    def test_dlq_retry_all_revives_everything(self):
        flag = self.path('fixed')
        a = self.add('--max-retries', '0', 'test -e %s' % flag)
        b = self.add('--after', str(a), 'true')
        c = self.add('--after', str(a), 'true')
        d = self.add('--after', str(b), '--after', str(c), 'true')
        lone = self.add('--max-retries', '0', 'test -e %s' % flag)
        self.burst(2)
        self.assertEqual([self.state(j) for j in (a, b, c, d, lone)], ['dead'] * 5)
        self.assertRegex(self.job(d)['last_error'], r'^dependency (%d|%d) dead$' % (b, c))
        open(flag, 'w').close()
        self.assertEqual(self.ok('dlq', 'retry', '--all'), 'Requeued 5 jobs from the DLQ\n')
        self.burst(2)
        self.assertEqual([self.state(j) for j in (a, b, c, d, lone)], ['completed'] * 5)

    def test_unknown_parent_is_refused_and_nothing_is_enqueued(self):
        a = self.add('true')
        for refs in (('99',), ('no-such-key',), (str(a), '99')):
            argv = ['add']
            for ref in refs:
                argv += ['--after', ref]
            code, out, err = self.cli(*(argv + ['echo orphan']))
            self.assertIn(code, (1, 2), err)
            self.assertEqual(out, '')
            self.assertEqual(len(err.splitlines()), 1, err)
            self.assertTrue(err.startswith('queuectl: error: '), err)
            self.assertIn(refs[-1], err)
        self.assertEqual(self.count_jobs(), 1)

    def test_cancelled_parent_sends_dependents_to_dlq(self):
        a = self.add('--delay', '1h', 'true')
        b = self.add('--after', str(a), 'true')
        c = self.add('--after', str(b), 'true')
        self.assertEqual(self.ok('cancel', str(a)), 'Cancelled job %d\n' % a)
        self.assertEqual(self.state(a), 'cancelled')
        job_b, job_c = self.job(b), self.job(c)
        self.assertEqual((job_b['state'], job_b['last_error']),
                         ('dead', 'dependency %d cancelled' % a))
        self.assertEqual((job_c['state'], job_c['last_error']),
                         ('dead', 'dependency %d dead' % b))

    def test_adding_after_a_dead_parent_goes_straight_to_dlq(self):
        a = self.add('--max-retries', '0', 'false')
        self.burst(1)
        code, out, err = self.cli('add', '--after', str(a), 'true')
        self.assertEqual(code, 0, err)
        b = int(out.split()[-1])
        self.assertIn('DLQ', err)
        self.assertEqual((self.state(b), self.job(b)['last_error']),
                         ('dead', 'dependency %d dead' % a))


########################################################################
# Schedules and priorities
########################################################################

class TestSchedules(FlowTestCase):

    def test_delay_and_at_do_not_start_early_and_list_shows_when(self):
        target = int(time.time()) + 3
        at_text = time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(target))
        added = time.time()
        delayed = self.add('--delay', '2', 'date +%s.%N > delayed')
        at_job = self.add('--at', at_text, 'date +%s.%N > at')
        now_job = self.add('date +%s.%N > now')
        run_at = iso_to_epoch(self.job(delayed)['run_at'])
        self.assertGreaterEqual(run_at, added + 2 - 0.01)
        self.assertAlmostEqual(iso_to_epoch(self.job(at_job)['run_at']), target, places=2)
        listing = self.ok('list')
        self.assertEqual(self.table_row(listing, delayed)[-1], local_text(run_at))
        self.assertEqual(self.table_row(listing, at_job)[-1], local_text(target))
        self.assertEqual(self.table_row(listing, now_job)[-1], '-')
        self.assertRegex(self.ok('show', str(at_job)), r'Run at:\s+%s' % local_text(target))
        pool = self.start_pool(2)
        self.wait_state(now_job, 'completed')
        if time.time() < added + 1.9:              # the pool is up and idle: they wait
            self.assertEqual([self.state(delayed), self.state(at_job)], ['pending', 'pending'])
        self.wait_state(delayed, 'completed', timeout=10)
        self.wait_state(at_job, 'completed', timeout=10)
        self.stop_pool(pool)
        self.assertGreaterEqual(self.stamp('delayed'), added + 2)
        self.assertGreaterEqual(self.stamp('at'), target)

    def test_a_burst_pool_does_not_wait_for_a_scheduled_job(self):
        job_id = self.add('--delay', '1h', 'true')
        self.burst(1)
        self.assertEqual(self.state(job_id), 'pending')

    def test_higher_priority_runs_first_with_one_worker(self):
        step = 'echo $QUEUECTL_JOB_ID >> order'
        low = self.add('--priority', '-5', step)
        plain = [self.add(step) for _ in range(3)]
        high = self.add('--priority', '10', step)
        self.assertEqual(self.job(high)['priority'], 10)
        self.burst(1)
        order = [int(x) for x in self.read('order').split()]
        self.assertEqual(order, [high] + plain + [low])

    def test_same_priority_runs_by_run_time_and_a_future_job_blocks_nobody(self):
        step = 'echo $QUEUECTL_JOB_ID >> order'
        later = self.add('--delay', '0.3', step)          # lower id, later run time
        sooner = self.add(step)
        future = self.add('--priority', '10', '--delay', '1h', step)
        due = iso_to_epoch(self.job(later)['run_at'])
        self.wait_until(lambda: time.time() > due + 0.05, what='job %d due' % later)
        self.burst(1)
        self.assertEqual([int(x) for x in self.read('order').split()], [sooner, later])
        self.assertEqual(self.state(future), 'pending')


########################################################################
# Named queues and pausing
########################################################################

class TestQueues(FlowTestCase):

    def test_worker_serves_only_its_queue(self):
        a = self.add('--queue', 'A', 'echo a >> ran')
        b = self.add('--queue', 'B', 'echo b >> ran')
        d = self.add('echo default >> ran')
        self.assertEqual(self.job(a)['queue'], 'A')
        self.assertEqual(self.job(d)['queue'], 'default')
        self.burst(2, '--queue', 'A')
        self.assertEqual(self.read('ran'), 'a\n')
        self.assertEqual([self.state(b), self.state(d)], ['pending', 'pending'])
        self.assertEqual([j['id'] for j in json.loads(self.ok('list', '--queue', 'B', '--json'))],
                         [b])
        self.burst(1, '--queue', 'B', '--queue', 'default')
        self.assertEqual([self.state(b), self.state(d)], ['completed', 'completed'])

    def test_pause_survives_a_new_worker_start_and_resume_releases(self):
        q = self.add('--queue', 'q', 'echo q >> ran')
        self.assertEqual(self.ok('pause', 'q'), 'Paused queue q\n')
        other = self.add('echo default >> ran')
        self.burst(1)                  # exits although q's job is pending
        self.assertEqual(self.read('ran'), 'default\n')
        self.assertEqual(self.state(q), 'pending')
        self.assertEqual(self.state(other), 'completed')
        self.assertRegex(self.ok('status'), r'(?m)^q\s+1\s+0\s+0\s+0\s+paused$')
        self.assertRegex(self.ok('status'), r'(?m)^default\s+0\s+0\s+0\s+0\s+running$')
        queues = json.loads(self.ok('status', '--json'))['queues']
        self.assertIs(queues['q']['paused'], True)
        self.assertIs(queues['default']['paused'], False)
        self.burst(1, '--queue', 'q')  # serving it explicitly does not bypass the pause
        self.assertEqual(self.state(q), 'pending')
        self.assertEqual(self.ok('resume', 'q'), 'Resumed queue q\n')
        self.assertIs(json.loads(self.ok('status', '--json'))['queues']['q']['paused'], False)
        self.burst(1)
        self.assertEqual(self.state(q), 'completed')

    def test_pause_without_queue_pauses_everything(self):
        a = self.add('--queue', 'A', 'true')
        d = self.add('true')
        self.assertEqual(self.ok('pause'), 'Paused all queues\n')
        late = self.add('--queue', 'brand-new', 'true')   # new queues too
        self.burst(1)
        self.assertEqual([self.state(j) for j in (a, d, late)], ['pending'] * 3)
        status = self.ok('status')
        for name in ('A', 'default', 'brand-new'):
            self.assertRegex(status, r'(?m)^%s\s+1\s+0\s+0\s+0\s+paused$' % name)
        data = json.loads(self.ok('status', '--json'))
        self.assertEqual(sorted(data['queues']), ['A', 'brand-new', 'default'])
        self.assertTrue(all(q['paused'] for q in data['queues'].values()), data)
        # Resuming one queue while everything else stays paused.
        self.ok('resume', 'A')
        self.burst(1)
        self.assertEqual([self.state(j) for j in (a, d, late)],
                         ['completed', 'pending', 'pending'])
        self.assertEqual(self.ok('resume'), 'Resumed all queues\n')
        self.assertFalse(any(q['paused'] for q in
                             json.loads(self.ok('status', '--json'))['queues'].values()))
        self.burst(1)
        self.assertEqual([self.state(j) for j in (d, late)], ['completed', 'completed'])

    def test_pausing_takes_effect_on_a_running_pool(self):
        pool = self.start_pool(1)
        self.ok('pause', 'slow')
        held = self.add('--queue', 'slow', 'true')       # lower id: claimed first if not paused
        free = self.add('true')
        self.wait_state(free, 'completed')
        self.assertEqual(self.state(held), 'pending')
        self.ok('resume', 'slow')
        self.wait_state(held, 'completed')
        self.stop_pool(pool)


########################################################################
# Idempotent keys
########################################################################

class TestKeys(FlowTestCase):

    def test_key_twice_enqueues_once_with_the_same_id(self):
        first = self.ok('add', '--key', 'K', 'echo once')
        self.assertEqual(first, 'Added job with ID: 1\n')
        self.assertEqual(self.ok('add', '--key', 'K', 'echo twice'),
                         'Job with key K already exists: ID 1\n')
        self.assertEqual(self.ok('add', '-q', '--key', 'K', 'echo thrice'), '1\n')
        self.assertEqual(self.count_jobs(), 1)
        self.assertEqual(self.job('K')['command'], 'echo once')

    def test_an_id_too_big_for_the_database_is_no_job_not_a_crash(self):
        huge = '9' * 23
        for argv in (('show', huge), ('cancel', huge), ('logs', huge), ('wait', huge),
                     ('requeue', huge), ('dlq', 'retry', huge), ('add', '--after', huge, 'x')):
            self.assertIn('no job with id or key', self.fails(1, *argv))
        self.assertIn('--limit: must be 0 (all) or more', self.fails(2, 'list', '--limit', huge))

    def test_a_reference_with_non_ascii_digits_is_a_key_not_a_crash(self):
        self.add('true')
        for ref in ('\u00b2', '\u0663'):          # superscript two, Arabic-Indic three
            self.assertIn('no job with id or key', self.fails(1, 'show', ref))
            self.assertIn('no job with id or key', self.fails(1, 'cancel', ref))
        job_id = self.add('--key', '\u00b2', 'true')
        self.assertEqual(self.job('\u00b2')['id'], job_id)

    def test_every_command_that_takes_a_job_accepts_its_key(self):
        flag = self.path('flag')
        self.add('--key', 'ok-job', 'echo hello')
        self.add('--key', 'flaky', '--max-retries', '0', 'test -e %s' % flag)
        self.add('--key', 'later', '--delay', '1h', 'true')
        self.add('--key', 'child', '--after', 'ok-job', 'true')
        self.burst(1)
        self.assertEqual(self.job('ok-job')['id'], 1)
        self.assertRegex(self.ok('show', 'ok-job'), r'Key:\s+ok-job')
        self.assertEqual(self.ok('info', 'flaky'), self.ok('show', '2'))
        self.assertEqual(self.ok('logs', 'ok-job', '--attempt', '1'), 'hello\n')
        self.assertIn('hello', self.ok('logs', 'ok-job'))
        self.assertEqual(self.ok('wait', 'ok-job', 'child'), 'Job 1 (ok-job) completed\nJob 4 (child) completed\n')
        self.assertEqual(self.cli('wait', 'flaky')[0], 1)
        open(flag, 'w').close()
        self.assertEqual(self.ok('dlq', 'retry', 'flaky'), 'Requeued job 2 from the DLQ\n')
        self.assertEqual(self.ok('cancel', 'later'), 'Cancelled job 3\n')
        self.assertEqual(self.state('later'), 'cancelled')
        self.burst(1)
        self.assertEqual(self.state('flaky'), 'completed')
        self.assertIn("no job with id or key 'nope'", self.fails(1, 'show', 'nope'))


########################################################################
# Cancel
########################################################################

class TestCancel(FlowTestCase):

    def test_cancel_pending_jobs_and_refuse_finished_ones(self):
        a = self.add('--delay', '1h', 'true')
        b = self.add('--delay', '1h', 'true')
        done = self.add('true')
        self.burst(1)
        self.assertEqual(self.ok('cancel', str(a), str(b)),
                         'Cancelled job %d\nCancelled job %d\n' % (a, b))
        self.assertEqual([self.state(a), self.state(b)], ['cancelled', 'cancelled'])
        self.assertEqual(self.job(a)['last_error'], 'cancelled')
        self.assertIsNotNone(self.job(a)['finished_at'])
        err = self.fails(1, 'cancel', str(done))
        self.assertIn('already completed', err)
        self.assertEqual(self.state(done), 'completed')
        self.assertIn('already cancelled', self.fails(1, 'cancel', str(a)))
        self.assertIn('no job', self.fails(1, 'cancel', '99'))
        c = self.add('--delay', '1h', 'true')
        self.assertEqual(self.ok('cancel', str(c), str(c)), 'Cancelled job %d\n' % c)
        self.assertIn('Jobs: 4 total (0 pending, 0 processing, 1 completed, 0 failed, '
                      '0 in DLQ, 3 cancelled)', self.ok('status'))
        self.assertEqual(json.loads(self.ok('status', '--json'))['jobs']['cancelled'], 3)

    def test_cancel_a_failed_job_waiting_for_its_retry(self):
        job_id = self.add('--max-retries', '3', 'false')
        pool = self.spawn('worker', 'start', '--count', '1', '--burst',
                          env={'QUEUECTL_BACKOFF_BASE': '3600'})
        self.wait_state(job_id, 'failed')
        self.assertNotEqual(self.next_retry(job_id), '-')      # when it will be retried
        self.assertEqual(self.ok('cancel', str(job_id)), 'Cancelled job %d\n' % job_id)
        job = self.job(job_id)
        self.assertEqual((job['state'], job['attempts']), ('cancelled', 1))
        # With nothing left in flight the burst pool ends by itself.
        self.assertEqual(pool.wait(timeout=15), 0)

    def test_cancel_a_running_job_kills_it(self):
        job_id = self.add('echo $$ > pid; exec sleep 30')
        pool = self.start_pool(1)
        self.wait_state(job_id, 'processing')
        self.wait_until(lambda: os.path.exists(self.path('pid')) and self.read('pid').strip())
        pid = int(self.read('pid'))
        self.assertEqual(self.ok('cancel', str(job_id)), 'Cancelled job %d\n' % job_id)
        self.wait_until(lambda: not pid_alive_not_zombie(pid), timeout=10, what='job process gone')
        self.assertEqual(self.state(job_id), 'cancelled')
        later = self.add('true')                  # the worker is free again
        self.wait_state(later, 'completed')
        self.assertEqual(self.state(job_id), 'cancelled')
        self.stop_pool(pool)


########################################################################
# Wait
########################################################################

class TestWait(FlowTestCase):

    def test_wait_exits_0_when_all_completed(self):
        a = self.add('sleep 0.3')
        b = self.add('--after', str(a), 'true')
        self.spawn('worker', 'start', '--count', '2', '--burst')
        started = time.monotonic()
        self.assertEqual(self.ok('wait', str(a), str(b)),
                         'Job %d completed\nJob %d completed\n' % (a, b))
        self.assertGreaterEqual(time.monotonic() - started, 0.2)   # it really waited
        self.assertEqual([self.state(a), self.state(b)], ['completed', 'completed'])
        self.assertEqual(self.ok('wait', '-q', str(a)), '')

    def test_wait_exits_1_when_a_job_ends_dead_or_cancelled(self):
        good = self.add('true')
        bad = self.add('--max-retries', '0', 'false')
        self.burst(1)
        code, out, err = self.cli('wait', str(good), str(bad))
        self.assertEqual(code, 1, out + err)
        self.assertIn('Job %d dead' % bad, out)
        gone = self.add('--delay', '1h', 'true')
        self.ok('cancel', str(gone))
        code, out, _ = self.cli('wait', str(gone))
        self.assertEqual((code, out), (1, 'Job %d cancelled: cancelled\n' % gone))
        dependent = self.add('--after', str(bad), 'true')
        self.assertEqual(self.cli('wait', str(dependent))[0], 1)

    def test_wait_timeout_exits_124(self):
        job_id = self.add('--delay', '1h', 'true')
        started = time.monotonic()
        err = self.fails(124, 'wait', str(job_id), '--timeout', '0.5')
        self.assertLess(time.monotonic() - started, 5)
        self.assertIn('timed out', err)
        self.assertIn(str(job_id), err.splitlines()[-1])

    def test_wait_without_workers_warns_on_stderr(self):
        job_id = self.add('true')
        code, out, err = self.run_proc('wait', str(job_id), '--timeout', '2', timeout=20)
        self.assertEqual(code, 124, err)
        self.assertIn('no live workers', err)
        self.assertEqual(err.count('no live workers'), 1, err)
        self.assertNotIn('Traceback', err)

    def test_wait_all_waits_for_the_queue_to_drain(self):
        ids = [self.add('sleep 0.2; echo $QUEUECTL_JOB_ID >> done') for _ in range(4)]
        ids.append(self.add('--after', str(ids[0]), 'echo $QUEUECTL_JOB_ID >> done'))
        self.spawn('worker', 'start', '--count', '2', '--burst')
        code, out, err = self.cli('wait', '--all', '--timeout', '20')
        self.assertEqual(code, 0, out + err)
        self.assertEqual(sorted(int(x) for x in self.read('done').split()), ids)
        self.assertEqual(set(j['state'] for j in json.loads(self.ok('list', '--json'))),
                         {'completed'})
        self.assertIn('not both', self.fails(2, 'wait', '--all', '1'))
        self.assertIn('no jobs given: give job ids or keys, or --all', self.fails(2, 'wait'))

    def test_wait_all_on_a_big_queue_does_not_reread_every_job_each_tick(self):
        self.ok('add', '--stdin', '--queue', 'bulk', stdin='true\n' * 20000)
        self.ok('pause', 'bulk')
        read = []
        original = queuectl.Store._rows_for_ids

        def counting(store, sql, ids, params=()):
            ids = list(ids)
            read.append(len(ids))
            return original(store, sql, ids, params)
        with unittest.mock.patch.object(queuectl.Store, '_rows_for_ids', counting):
            code, out, err = self.cli('wait', '--all', '--timeout', '0.6')
        self.assertEqual(code, 124, err)
        self.assertIn('timed out after 600ms; 20000 jobs unfinished: 1, 2, 3', err)
        self.assertLess(sum(read), 1000, 'ids read while waiting: %d' % sum(read))


########################################################################
# Logs
########################################################################

class TestLogs(FlowTestCase):

    def test_logs_follow_streams_output_until_the_job_finishes(self):
        flag = self.path('go-on')
        job_id = self.add('echo line1; while [ ! -e %s ]; do sleep 0.05; done; '
                          'for i in 2 3 4; do echo line$i; sleep 0.1; done' % flag)
        follower = self.spawn('logs', str(job_id), '-f')   # before the job even starts
        chunks = []
        reader = threading.Thread(target=lambda: chunks.extend(
            iter(lambda: os.read(follower.stdout.fileno(), 4096), b'')))
        reader.daemon = True
        reader.start()
        self.start_pool(1)
        self.wait_state(job_id, 'processing')
        try:
            self.wait_until(lambda: b'line1' in b''.join(chunks), timeout=5,
                            what='logs -f printing line1 while the job runs')
            self.assertEqual(self.state(job_id), 'processing')    # still running
            self.assertIsNone(follower.poll())
        finally:
            open(flag, 'w').close()
        self.assertEqual(follower.wait(timeout=20), 0, follower.stderr.read())
        reader.join(10)
        text = b''.join(chunks).decode()
        self.assertIn('=== job %d attempt 1: started' % job_id, text)
        self.assertIn('line1\nline2\nline3\nline4\n', text)
        self.assertIn('=== exit status 0 after', text)
        self.assertEqual(self.state(job_id), 'completed')

    def test_logs_follow_of_a_finished_job_ends_at_once(self):
        job_id = self.add('--max-retries', '0', 'echo out; echo err >&2; exit 3')
        self.burst(1)
        code, out, err = self.run_proc('logs', str(job_id), '-f', timeout=10)
        self.assertEqual(code, 0, err)
        self.assertIn('out\nerr\n', out)
        self.assertIn('exit status 3', out)

    def test_logs_attempt_n(self):
        job_id = self.add('--max-retries', '2',
                          'echo attempt $QUEUECTL_ATTEMPT; test $QUEUECTL_ATTEMPT -ge 2')
        self.burst(1)
        self.assertEqual(self.state(job_id), 'completed')
        self.assertEqual(self.ok('logs', str(job_id), '--attempt', '1'), 'attempt 1\n')
        self.assertEqual(self.ok('logs', str(job_id), '--attempt', '2'), 'attempt 2\n')
        self.assertIn('no attempt 3', self.fails(1, 'logs', str(job_id), '--attempt', '3'))
        everything = self.ok('logs', str(job_id))
        self.assertLess(everything.index('attempt 1\n'), everything.index('attempt 2\n'))
        self.assertEqual(everything.count('=== job %d attempt' % job_id), 2)
        self.assertIn('-f follows every attempt', self.fails(2, 'logs', '-f', str(job_id),
                                                             '--attempt', '1'))

    def test_a_timed_out_attempt_says_so_once_in_its_trailer(self):
        job_id = self.add('--timeout', '0.3', '--max-retries', '0', 'sleep 5')
        self.burst(1)
        self.assertIn('\n=== timed out after 300ms ===\n', self.ok('logs', str(job_id)))


########################################################################
# Prune
########################################################################

class TestPrune(FlowTestCase):

    def log_files(self, job_id):
        """The job's logs: its files, or (PostgreSQL) its runs with output kept."""
        if self.db_path is None:
            runs = self.__dict__.setdefault('runs_of', {}).setdefault(job_id, set())
            runs.update(r for (r,) in self.db_rows('SELECT id FROM runs WHERE job_id = ?',
                                                   (job_id,)))
            return sorted(set(r for (r,) in self.db_rows('SELECT run_id FROM job_output')
                              if r in runs))
        return [n for _, _, names in os.walk(self.path('queue.logs')) for n in names
                if n.startswith('%d.' % job_id)]

    def test_prune_deletes_completed_and_cancelled_with_their_logs(self):
        done = self.add('echo done')
        dead = self.add('--max-retries', '0', 'echo dying; false')
        waiting = self.add('--delay', '1h', 'true')
        gone = self.add('--delay', '1h', 'true')
        self.ok('cancel', str(gone))
        self.burst(1)
        self.assertEqual(len(self.log_files(done)), 1)
        self.assertEqual(len(self.log_files(dead)), 1)
        self.assertEqual(self.ok('prune'), 'Pruned 2 jobs\n')
        self.fails(1, 'show', str(done))
        self.fails(1, 'show', str(gone))
        self.assertEqual(self.log_files(done), [])
        self.assertEqual(self.state(dead), 'dead')
        self.assertEqual(len(self.log_files(dead)), 1)
        self.assertEqual(self.state(waiting), 'pending')
        self.assertEqual(self.ok('prune'), 'Pruned 0 jobs\n')
        self.assertEqual(self.ok('prune', '--status', 'dead'), 'Pruned 1 job\n')
        self.fails(1, 'show', str(dead))
        self.assertEqual(self.log_files(dead), [])
        self.assertEqual([j['id'] for j in json.loads(self.ok('list', '--json'))], [waiting])
        self.assertEqual(self.ok('dlq', 'list'), 'The DLQ is empty.\n')
        self.assertIn('expected one of', self.fails(2, 'prune', '--status', 'pending'))
        self.assert_integrity()

    def test_prune_older_than_keeps_recent_jobs(self):
        old = self.add('echo old')
        new = self.add('echo new')
        self.burst(1)
        self.assertEqual(len(self.log_files(old)), 1)
        self.assertEqual(self.ok('prune', '--older-than', '1h'), 'Pruned 0 jobs\n')
        # Age one job by two hours, as if it had finished then.
        self.db_rows('UPDATE jobs SET finished_at = finished_at - 7200 WHERE id = ?', (old,))
        self.assertEqual(self.ok('prune', '--older-than', '1h'), 'Pruned 1 job\n')
        self.fails(1, 'show', str(old))
        self.assertEqual(self.log_files(old), [])
        self.assertEqual(self.state(new), 'completed')
        self.assertEqual(len(self.log_files(new)), 1)

    def test_prune_keeps_a_finished_job_that_a_waiting_job_depends_on(self):
        parent = self.add('true')
        child = self.add('--after', str(parent), '--delay', '1h', 'true')
        unrelated = self.add('true')
        self.burst(1)
        self.assertEqual(self.state(parent), 'completed')
        self.assertEqual(self.ok('prune'), 'Pruned 1 job\n')
        self.fails(1, 'show', str(unrelated))
        self.assertEqual(self.state(parent), 'completed')
        self.assertEqual(self.job(child)['depends_on'], [parent])
        self.ok('cancel', str(child))
        self.assertEqual(self.ok('prune'), 'Pruned 2 jobs\n')
        self.assertEqual(self.count_jobs(), 0)

    def test_pruning_a_cancelled_parent_does_not_let_its_dependents_run(self):
        # SPEC 6: a job with --after waits until every parent is completed. A
        # cancelled parent's dependents sit in the DLQ; pruning the parent must
        # not turn them into jobs without a parent that `dlq retry` then runs.
        parent = self.add('--delay', '1h', 'true')
        child = self.add('--after', str(parent), 'touch child-ran')
        self.ok('cancel', str(parent))
        self.assertEqual(self.state(child), 'dead')
        self.ok('prune')
        for ref in self.job(child)['depends_on']:
            self.ok('show', str(ref))                # no dangling dependency
        self.cli('dlq', 'retry', str(child))
        self.cli('dlq', 'retry', '--all')
        self.burst(1)
        self.assertFalse(os.path.exists(self.path('child-ran')),
                         'a dependent of a cancelled (then pruned) parent ran')
        self.assertEqual(self.state(child), 'dead')


########################################################################
# Batch adds with flow options
########################################################################

class TestBatchFlow(FlowTestCase):

    def test_stdin_applies_after_queue_priority_and_the_rest_to_each_line(self):
        work = self.path('work')
        os.mkdir(work)
        root = self.add('--key', 'root', 'sleep 0.2; date +%s.%N > root.end')
        out = self.ok('add', '--stdin', '--after', 'root', '--queue', 'batch',
                      '--priority', '7', '--max-retries', '1', '--timeout', '30',
                      '-e', 'X=1', '--cwd', work,
                      stdin='date +%s.%N > b1; echo $X\ndate +%s.%N > b2; echo $X\n')
        self.assertEqual(out, 'Added 2 jobs: %d-%d\n' % (root + 1, root + 2))
        for job_id in (root + 1, root + 2):
            job = self.job(job_id)
            self.assertEqual((job['queue'], job['priority'], job['max_retries'], job['timeout'],
                              job['env'], job['cwd'], job['depends_on']),
                             ('batch', 7, 1, 30, {'X': '1'}, work, [root]))
            self.assertEqual(self.next_retry(job_id), 'after %d' % root)
        self.burst(2)
        for job_id, name in ((root + 1, 'work/b1'), (root + 2, 'work/b2')):
            self.assertEqual(self.state(job_id), 'completed')
            self.assertGreaterEqual(self.stamp(name), self.stamp('root.end'))
            self.assertEqual(self.ok('logs', str(job_id), '--attempt', '1'), '1\n')

    def test_stdin_and_file_apply_delay_and_at(self):
        added = time.time()
        ids = [int(x) for x in self.ok('add', '-q', '--stdin', '--delay', '1h',
                                       '--queue', 'later', stdin='true\ntrue\n').split()]
        self.assertEqual(ids, [1, 2])
        path = self.path('cmds')
        with open(path, 'w') as handle:
            handle.write('true\ntrue\n')
        target = int(time.time()) + 7200
        at_text = time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(target))
        self.assertEqual(self.ok('add', '-f', path, '--at', at_text, '--priority', '-1'),
                         'Added 2 jobs: 3-4\n')
        for job_id in ids:
            job = self.job(job_id)
            self.assertGreaterEqual(iso_to_epoch(job['run_at']), added + 3600 - 0.01)
            self.assertEqual(job['queue'], 'later')
            self.assertNotEqual(self.next_retry(job_id), '-')
        for job_id in (3, 4):
            job = self.job(job_id)
            self.assertAlmostEqual(iso_to_epoch(job['run_at']), target, places=2)
            self.assertEqual(job['priority'], -1)
            self.assertEqual(self.next_retry(job_id), local_text(target))
        self.burst(1)
        self.assertEqual(set(j['state'] for j in json.loads(self.ok('list', '--json'))),
                         {'pending'})

    def test_stdin_priority_orders_the_batch(self):
        self.add('echo plain >> order')
        self.ok('add', '--stdin', '--priority', '5', stdin='echo urgent1 >> order\n'
                                                           'echo urgent2 >> order\n')
        self.burst(1)
        self.assertEqual(self.read('order').split(), ['urgent1', 'urgent2', 'plain'])

    def test_stdin_refuses_key_and_unknown_parents_enqueueing_nothing(self):
        self.add('true')
        err = self.fails(2, 'add', '--stdin', '--key', 'k', stdin='true\ntrue\n')
        self.assertIn('--key', err)
        self.assertEqual(len(err.splitlines()), 1, err)
        code, out, err = self.cli('add', '--stdin', '--after', '99', stdin='true\ntrue\n')
        self.assertIn(code, (1, 2))
        self.assertEqual(out, '')
        self.assertEqual(len(err.splitlines()), 1, err)
        self.assertEqual(self.count_jobs(), 1)

    def test_stdin_after_a_dead_parent_sends_the_batch_to_dlq(self):
        parent = self.add('--max-retries', '0', 'false')
        self.burst(1)
        code, out, err = self.cli('add', '--stdin', '--after', str(parent),
                                  stdin='true\ntrue\n')
        self.assertEqual(code, 0, err)
        for job_id in (parent + 1, parent + 2):
            self.assertEqual((self.state(job_id), self.job(job_id)['last_error']),
                             ('dead', 'dependency %d dead' % parent))


########################################################################
# Scripts that can be re-run, and a queue a newcomer cannot misread
########################################################################

class TestRerunnable(FlowTestCase):
    """A script run twice adds nothing twice and hides no change."""

    def test_a_key_with_another_spec_warns_and_replace_applies_it(self):
        self.assertEqual(self.add('--key', 'k', '--max-retries', '0', 'echo one'), 1)
        self.burst(1)
        other = self.path('other')
        os.mkdir(other)
        # the same spec, from another folder (the default cwd is not compared): silent
        code, out, err = self.cli('add', '--key', 'k', '--max-retries', '0', 'echo one',
                                  cwd=other)
        self.assertEqual((code, out, err), (0, 'Job with key k already exists: ID 1\n', ''))
        code, out, err = self.cli('add', '--key', 'k', '--priority', '5', 'echo two')
        self.assertEqual((code, out), (0, 'Job with key k already exists: ID 1\n'))
        self.assertEqual(err, 'queuectl: warning: job 1 (key k) exists with a different '
                              'command, priority; it was left as it is (add --replace to '
                              'apply the change)\n')
        self.assertEqual(self.job('k')['command'], 'echo one')
        self.assertEqual(self.ok('add', '--key', 'k', '--replace', '--priority', '5',
                                 'echo two'), 'Replaced job with key k: ID 1, pending again\n')
        job = self.job('k')
        self.assertEqual((job['command'], job['priority'], job['state'], job['attempts']),
                         ('echo two', 5, 'pending', 0))
        self.assertEqual(len(job['history']), 1)               # history kept
        self.burst(1)
        self.assertRegex(self.ok('logs', 'k'), r'(?s)attempt 1: .*\none\n.*attempt 2: .*\ntwo\n')
        self.assertIn('give --key', self.fails(2, 'add', '--replace', 'true'))

    def test_replace_refuses_a_running_job_and_a_cycle(self):
        self.add('--key', 'a', 'true')
        self.add('--key', 'b', '--after', 'a', 'true')
        err = self.fails(2, 'add', '--key', 'a', '--after', 'b', '--replace', 'true')
        self.assertIn('cannot wait for itself or for a job that waits for it', err)
        with contextlib.closing(sqlite3.connect(self.db_path)) as conn:
            conn.execute("UPDATE jobs SET state = 'processing' WHERE id = 1")
            conn.commit()
        self.assertIn('job 1 (key a) is running', self.fails(1, 'add', '--key', 'a',
                                                              '--replace', 'false'))
        self.assertEqual(self.job('a')['command'], 'true')

    def test_requeue_runs_finished_jobs_again_keeping_their_history(self):
        done = self.add('--key', 'nightly', 'echo run $QUEUECTL_ATTEMPT >> runs')
        parent = self.add('--delay', '1h', 'true')
        child = self.add('--after', str(parent), 'echo child >> runs')
        self.ok('cancel', str(parent))
        self.assertEqual(self.state(child), 'dead')             # dependency 2 cancelled
        self.burst(1)
        self.assertEqual(self.ok('requeue', 'nightly'), 'Requeued job %d\n' % done)
        job = self.job(done)
        self.assertEqual((job['state'], job['attempts'], len(job['history'])),
                         ('pending', 0, 1))
        self.assertIn('job 1 is pending: only completed, dead or cancelled jobs can be '
                      'requeued', self.fails(1, 'requeue', str(done)))
        self.assertIn('job 3 cannot run: dependency 2 cancelled; requeue job 2 instead',
                      self.fails(1, 'requeue', str(child)))
        self.assertEqual(self.ok('requeue', str(parent)),
                         'Requeued job %d (and 1 dependent job)\n' % parent)
        self.assertEqual(self.state(child), 'pending')
        self.burst(1)
        # Runs are numbered on: the requeued job's second run is attempt 2.
        self.assertEqual(self.read('runs').splitlines(), ['run 1', 'run 2', 'child'])
        self.assertEqual(len(self.job(done)['history']), 2)

    def test_add_wait_exits_as_wait_does(self):
        self.start_pool(1)
        code, out, err = self.cli('add', '--wait', 'echo hi')
        self.assertEqual((code, out), (0, 'Added job with ID: 1\nJob 1 completed\n'), err)
        code, out, err = self.cli('add', '-q', '--wait', '--max-retries', '0', 'exit 3')
        self.assertEqual((code, out), (1, '2\n'), err)
        code, out, err = self.cli('add', '--wait', '--key', 'k', '--max-retries', '0', 'exit 4')
        self.assertEqual((code, out), (1, 'Added job with ID: 3\nJob 3 (k) dead: exit status 4\n'))
        code, out, err = self.cli('add', '--wait', '--stdin', stdin='true\ntrue\n')
        self.assertEqual((code, out), (0, 'Added 2 jobs: 4-5\nJob 4 completed\nJob 5 completed\n'))

    def test_preserve_env_runs_the_job_with_the_callers_environment(self):
        caller = dict(self.env, FROM_CALLER='yes')
        self.ok('add', '-E', '-e', 'EXTRA=1', 'echo "$FROM_CALLER|$FROM_POOL|$EXTRA"', env=caller)
        self.ok('add', 'echo "$FROM_CALLER|$FROM_POOL"', env=caller)
        self.assertEqual([j['preserve_env'] for j in json.loads(self.ok('list', '--json'))],
                         [True, False])
        self.assertRegex(self.ok('show', '1'), r"Env: +the caller's \(\d+ variables, add -E\) "
                                               r"and EXTRA=1\n")
        self.burst(1, env={'FROM_POOL': 'pool'})
        self.assertEqual(self.ok('logs', '1', '--attempt', '1'), 'yes||1\n')
        self.assertEqual(self.ok('logs', '2', '--attempt', '1'), '|pool\n')

    def test_a_new_database_never_shows_a_deleted_ones_logs(self):
        self.add('echo from the old database')
        self.burst(1)
        for suffix in ('', '-wal', '-shm'):
            if os.path.exists(self.db_path + suffix):
                os.unlink(self.db_path + suffix)
        self.add('true')                                        # job 1 again, prints nothing
        self.burst(1)
        self.assertNotIn('old database', self.ok('logs', '1'))
        self.assertEqual(self.ok('logs', '1', '--attempt', '1'), '')

    def test_a_version_1_database_migrates_and_keeps_its_logs_where_they_are(self):
        make_version_1_database(self.db_path)
        self.add('echo kept')
        self.burst(1)
        self.assertTrue(os.path.exists(self.path('queue.logs', '1.1.log')))
        self.assertEqual(self.ok('logs', '1', '--attempt', '1'), 'kept\n')
        self.ok('limit', 'default', '2')
        self.assertEqual(json.loads(self.ok('status', '--json'))['queues']['default']['limit'], 2)

    @slow
    def test_the_provisioning_script_can_be_fixed_and_rerun(self):
        bin_dir = self.path('bin')
        os.mkdir(bin_dir)
        with open(os.path.join(bin_dir, 'queuectl'), 'w') as handle:
            handle.write('#!/bin/sh\nexec "%s" "%s" "$@"\n' % (sys.executable, SCRIPT))
        os.chmod(os.path.join(bin_dir, 'queuectl'), 0o755)
        script = self.path('provision.sh')
        with open(script, 'w') as handle:
            handle.write(
                'set -e\n'
                'queuectl add -q --key pkgs --replace "echo pkgs >> done.txt"\n'
                'queuectl add -q --key conf --after pkgs --replace --max-retries 0 "$STEP"\n'
                'queuectl add -q --key svc --after conf --replace "echo svc >> done.txt"\n'
                'queuectl worker start --detach --count 2 >> detach.txt\n'
                'queuectl wait pkgs conf svc\n')
        env = dict(self.env, PATH=bin_dir + os.pathsep + os.environ['PATH'])

        def provision(step):
            proc = subprocess.run(['sh', script], cwd=self.home, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, env=dict(env, STEP=step), timeout=60)
            return proc.returncode, proc.stdout.decode(), proc.stderr.decode()
        code, out, err = provision('exit 3')
        self.addCleanup(self.ok, 'worker', 'stop', '--now')
        self.assertEqual(code, 1, err)
        self.assertIn('Job 2 (conf) dead: exit status 3\nJob 3 (svc) dead: dependency 2 dead',
                      out)
        code, out, err = provision('echo conf >> done.txt')       # fixed
        self.assertEqual((code, err), (0, ''))
        self.assertEqual(out, '1\n2\n3\nJob 1 (pkgs) completed\nJob 2 (conf) completed\n'
                              'Job 3 (svc) completed\n')
        self.assertEqual(provision('echo conf >> done.txt'), (0, out, ''))    # once more
        self.assertEqual(self.read('done.txt').split(), ['pkgs', 'conf', 'svc'])
        detach = self.read('detach.txt').splitlines()
        self.assertEqual(detach[0], 'Started 2 worker processes')
        self.assertEqual(len(detach), 4)
        self.assertRegex(detach[-1], r'^Pool \d+ already runs in the background for all queues')
        self.assertEqual(detach[-1], detach[-2])


class TestDetachedPools(ReliabilityCase):

    def detach(self, *extra):
        code, out, err = self.run_proc('worker', 'start', '--detach', '--count', '1', *extra)
        self.assertEqual(code, 0, err)
        match = re.search(r'^Pool (\d+)', out, re.M)
        self.addCleanup(kill_quietly, int(match.group(1)))
        return int(match.group(1)), out

    def test_a_second_detach_reports_the_running_pool_unless_told_another(self):
        starters = [self.spawn('worker', 'start', '--detach', '--count', '1')
                    for _ in range(2)]                          # at the same time
        outs = [p.communicate(timeout=30)[0].decode() for p in starters]
        self.assertEqual([p.returncode for p in starters], [0, 0])
        pids = [int(re.search(r'^Pool (\d+)', out, re.M).group(1)) for out in outs]
        for pid in set(pids):
            self.addCleanup(kill_quietly, pid)
        self.assertEqual(len(set(pids)), 1, outs)
        self.assertIn('Pool %d already runs in the background for all queues of this database '
                      '(1 worker); not starting another (--another starts one anyway)\n'
                      % pids[0], outs)
        queue_pool, out = self.detach('--queue', 'emails')     # other queues: another pool
        self.assertIn('Started 1 worker process\n', out)
        another, out = self.detach('--another')
        self.assertNotIn(another, pids)
        self.assertIn('--another goes with --detach', self.fails(2, 'worker', 'start',
                                                                 '--another'))
        code, out, err = self.run_proc('worker', 'stop', timeout=20)
        self.assertEqual((code, out), (0, 'Stopped 3 worker pools.\n'), err)


class TestQueueLimits(FlowTestCase):

    def test_limit_is_set_shown_and_removed(self):
        self.assertEqual(self.ok('limit'), 'No queue has a limit.\n')
        self.assertEqual(self.ok('limit', 'apt', '1'), 'Queue apt: at most 1 job at a time\n')
        self.assertEqual(self.ok('limit', 'deploy', '3'), 'Queue deploy: at most 3 jobs at a time\n')
        self.assertEqual(self.ok('limit', 'apt'), 'Queue apt: at most 1 job at a time\n')
        self.assertEqual(json.loads(self.ok('limit', '--json')), {'apt': 1, 'deploy': 3})
        self.add('--queue', 'apt', 'true')
        self.add('true')
        status = self.ok('status')
        self.assertRegex(status, r'Queue +Pending +Processing +Failed +DLQ +State +Limit\n'
                                 r'apt +1 +0 +0 +0 +running +1\ndefault +1( +0){3} +running +-\n'
                                 r'deploy( +0){4} +running +3\n')
        queues = json.loads(self.ok('status', '--json'))['queues']
        self.assertEqual((queues['apt']['limit'], queues['default']['limit']), (1, None))
        self.assertEqual(self.ok('limit', 'deploy', 'none'), 'Queue deploy: no limit\n')
        self.assertIn('pause it instead', self.fails(2, 'limit', 'apt', '0'))
        self.assertIn('expected a number of jobs or none', self.fails(2, 'limit', 'apt', 'x'))
        self.assertIn('names use letters', self.fails(2, 'limit', 'a b', '1'))

    def test_a_limit_holds_across_pools(self):
        self.ok('limit', 'apt', '1')
        # Two runs of an apt job at once would find the lock taken and fail (no retries).
        lines = ''.join('mkdir lock || exit 9; sleep 0.2; rmdir lock; echo %d >> apt\n' % i
                        for i in range(4))
        self.ok('add', '--stdin', '--queue', 'apt', '--max-retries', '0', stdin=lines)
        self.ok('add', '--stdin', stdin='echo other >> other\n' * 4)
        pools = [self.spawn('worker', 'start', '--count', '2', '--burst') for _ in range(2)]
        for pool in pools:
            self.assertEqual(pool.wait(timeout=30), 0, pool.communicate()[1])
        self.assertEqual(sorted(self.read('apt').split()), ['0', '1', '2', '3'])
        self.assertEqual(len(self.read('other').split()), 4)

    def test_claim_room_says_how_many_more_each_queue_may_start(self):
        self.ok('limit', 'apt', '2')
        self.ok('limit', 'paused', '5')
        self.ok('pause', 'paused')
        for queue in ('apt', 'apt', 'apt', 'default', 'paused'):
            self.add('--queue', queue, 'true')
        store = queuectl.Store(self.db_path)
        self.addCleanup(store.close)
        self.assertEqual(store.snapshot(store._claim_room), {'apt': 2, 'default': None})
        store.claim('w', 'h:1', 30)                             # claims job 1 (apt)
        self.assertEqual(store.snapshot(store._claim_room), {'apt': 1, 'default': None})
        store.claim('w', 'h:1', 30)
        self.assertEqual(store.snapshot(store._claim_room, ['apt']), {})
        self.assertEqual(store.claim('w', 'h:1', 30)['queue'], 'default')


class TestListings(QueuectlTestCase):
    """What people identify jobs by, in every listing, at the terminal's width."""

    def test_list_and_dlq_list_show_keys_and_queues_when_used(self):
        self.add('true')
        self.assertNotIn('Key', self.ok('list'))
        self.ok('enqueue', '{"id": "job1", "command": "exit 1", "max_retries": 0}')
        out = self.ok('list')
        self.assertEqual(out.splitlines()[0].split(), ['ID', 'Key', 'Command', 'Status',
                                                       'Attempts', 'Next', 'Retry'])
        self.assertRegex(out, r'\n1 +- +true +pending')
        self.assertRegex(out, r'\n2 +job1 +exit 1 +pending')
        self.add('--queue', 'mail', 'true')
        self.assertRegex(self.ok('list'), r'\n3 +- +mail +true +pending')
        self.burst(1)
        self.assertRegex(self.ok('dlq', 'list'), r'^ID +Key +Command .*\n2 +job1 +exit 1 +1 ')

    def test_commands_use_the_width_given_and_all_of_it_in_a_pipe(self):
        command = 'echo ' + 'x' * 150
        self.add(command)
        self.assertIn(command, self.ok('list'))                 # not a terminal: whole
        lines = self.ok('list', env=dict(self.env, COLUMNS='200')).splitlines()
        self.assertIn(command, lines[1])
        lines = self.ok('list', env=dict(self.env, COLUMNS='80')).splitlines()
        self.assertTrue(all(len(line) < 80 for line in lines), lines)
        self.assertIn('echo xxx', lines[1])
        self.assertIn('...', lines[1])

    def test_config_get_without_key_and_config_show_list_every_key(self):
        listing = self.ok('config', 'list')
        self.assertEqual(self.ok('config', 'get'), listing)
        self.assertEqual(self.ok('config', 'show'), listing)
        self.assertEqual(json.loads(self.ok('config', 'get', '--json')),
                         json.loads(self.ok('config', 'list', '--json')))
        self.assertEqual(self.ok('config', 'get', 'max-retries', '--json'), '3\n')


class TestMistakes(QueuectlTestCase):
    """The usual mistakes get a message that says what to do."""

    def test_options_meant_for_the_command_get_a_hint(self):
        err = self.fails(2, 'add', 'apt-get', 'install', '-y', 'nginx')
        self.assertEqual(err, "queuectl: error: -y after the command words: add's options go "
                              "before the command; to pass it to the command, quote it: "
                              "queuectl add 'apt-get install -y nginx', or put it after --: "
                              "queuectl add -- apt-get install -y nginx\n")
        self.assertNotIn('put it after', self.fails(2, 'add', '--bogus', 'x'))
        self.assertEqual(self.ok('list'), 'No jobs.\n')

    def test_options_of_add_after_the_command_words_are_never_guessed(self):
        # Each of these used to print add's help, or take the command's option
        # for add's, and exit 0 with another command stored (or none).
        for argv in (('df', '-h'), ('sort', '-h', 'file'), ('git', 'pull', '--quiet'),
                     ('helm', 'upgrade', 'web', './chart', '--wait'),
                     ('kubectl', 'rollout', 'status', 'deploy/web', '--timeout', '60s'),
                     ('cmd', 'arg', '--pri', '5'), ('grep', '-e', 'foo', 'file')):
            err = self.fails(2, 'add', *argv)
            self.assertIn('after the command words', err)
            self.assertIn('queuectl add -- %s' % ' '.join(argv), err)
        self.assertEqual(self.ok('list'), 'No jobs.\n')
        # One command word (a quoted command) followed by add's options: as the spec shows.
        job_id = self.add('echo hi', '--max-retries', '5', '--queue', 'q')
        self.assertEqual((self.job(job_id)['max_retries'], self.job(job_id)['queue']), (5, 'q'))
        job_id = self.add('--priority', '2', 'git', 'pull', 'origin')
        self.assertEqual(self.job(job_id)['command'], 'git pull origin')
        self.assertEqual(self.job(self.add('--', 'df', '-h'))['command'], 'df -h')
        self.assertIn('usage:', self.fails(2, '-q', 'add', 'echo', 'hi'))

    def test_joined_words_with_spaces_or_quotes_say_what_was_stored(self):
        code, out, err = self.cli('add', 'touch', '/srv/my file')
        self.assertEqual((code, out), (0, 'Added job with ID: 1\n'))
        self.assertEqual(err, "queuectl: warning: stored the command as: touch /srv/my file "
                              "(the words are joined with spaces; the shell will read the "
                              "spaces and quotes within them); to keep each argument whole, "
                              "run: queuectl add -- touch '/srv/my file'\n")
        self.assertEqual(self.cli('add', 'echo', 'plain', 'words')[2], '')
        self.assertEqual(self.cli('add', 'echo "one string"')[2], '')

    def test_undecodable_input_is_named_as_the_shell_shows_it(self):
        err = self.fails(2, 'add', '--stdin', stdin=b'echo ok\necho \xff\n')
        self.assertIn('stdin line 2 is not UTF-8 text', err)
        folder = os.path.join(os.fsencode(self.home), b'caf\xff')
        os.mkdir(folder)
        err = self.fails(2, 'add', '--cwd', os.fsdecode(folder), 'true')
        self.assertIn("--cwd: $'%s/caf\\xff' is not a UTF-8 name" % self.home, err)
        self.assertNotIn('\\udc', err)

    def test_argument_errors_say_what_is_missing(self):
        for argv in (('dlq', 'retry'), ('wait',)):
            self.assertEqual(self.fails(2, *argv), 'queuectl: error: no jobs given: give job '
                                                   'ids or keys, or --all\n')
        self.assertIn('give job ids or --all, not both', self.fails(2, 'wait', '1', '--all'))
        self.assertIn("expected a number of workers or auto (one per CPU), got 'many'",
                      self.fails(2, 'worker', 'start', '--count', 'many'))

    def test_add_refuses_a_folder_other_users_can_write(self):
        os.chmod(self.home, 0o777)
        self.addCleanup(os.chmod, self.home, 0o700)
        err = self.fails(1, 'add', 'true')
        self.assertEqual(err, 'queuectl: error: refusing to queue jobs in %s: the folder is '
                              'writable by other users (mode 0777), and workers refuse to run '
                              'jobs from it; run: chmod go-w %s\n' % (self.home, self.home))
        self.assertFalse(os.path.exists(self.db_path))

    def test_a_read_only_filesystem_is_named(self):
        if not LINUX or os.getuid() != 0 or not shutil_which('unshare'):
            self.skipTest('needs root and unshare to mount a read-only folder')
        self.add('true')
        script = ('mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && '
                  'exec "$1" "$2" list')
        proc = subprocess.run(['unshare', '-m', 'sh', '-c', script, self.home, sys.executable,
                               SCRIPT], env=self.env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=30)
        if b'queuectl' not in proc.stderr:
            self.skipTest('cannot mount here: %s' % proc.stderr.decode())
        self.assertEqual(proc.returncode, 1)
        self.assertEqual(proc.stderr.decode(), 'queuectl: error: cannot open database %s: the '
                         'filesystem holding %s is mounted read-only (SQLite creates its -wal '
                         'and -shm files beside the database, even to read it)\n'
                         % (self.db_path, self.home))


def shutil_which(name):
    import shutil
    return shutil.which(name)


class TestInstall(QueuectlTestCase):

    def test_the_script_is_executable(self):
        self.assertTrue(os.access(SCRIPT, os.X_OK), 'queuectl.py is not executable')
        proc = subprocess.run([SCRIPT, '--version'], stdout=subprocess.PIPE, timeout=30)
        self.assertEqual(proc.stdout.decode(), 'queuectl %s\n' % queuectl.__version__)

    def test_a_copy_under_another_name_is_the_whole_installation(self):
        # What the README says for Python 3.6: install -m 755 queuectl.py .../queuectl
        bin_dir = self.path('bin')
        os.mkdir(bin_dir)
        shutil.copy(SCRIPT, os.path.join(bin_dir, 'queuectl'))
        os.chmod(os.path.join(bin_dir, 'queuectl'), 0o755)
        env = dict(self.env, PATH=bin_dir + os.pathsep + self.env.get('PATH', ''))
        for argv, expected in ((['queuectl', '--version'], 'queuectl %s\n' % queuectl.__version__),
                               (['queuectl', 'add', '-q', 'true'], '1\n')):
            proc = subprocess.run(argv, env=env, cwd=self.home, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, timeout=30)
            self.assertEqual((proc.returncode, proc.stdout.decode()), (0, expected),
                             proc.stderr)

    def test_pyproject_describes_the_queuectl_command(self):
        with open(os.path.join(HERE, 'pyproject.toml')) as handle:
            text = handle.read()
        self.assertIn('[project]', text)
        self.assertRegex(text, r'(?m)^queuectl = "queuectl:_entry"$')
        self.assertRegex(text, r'(?m)^py-modules = \["queuectl"\]$')

    def test_the_readme_quick_start_shows_the_job_it_added(self):
        with open(os.path.join(HERE, 'README.md')) as handle:
            first = re.search(r'```sh\n(.*)\n', handle.read()).group(1)
        self.assertIn('queuectl.py add', first)
        command = first.replace('python3', '"%s"' % sys.executable)
        for job_id in (1, 2):
            proc = subprocess.run(command, shell=True, cwd=HERE, env=self.env, timeout=60,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            out = proc.stdout.decode()
            self.assertEqual(proc.returncode, 0, proc.stderr)
            self.assertIn('=== job %d attempt 1' % job_id, out)
            self.assertEqual(out.count('=== job'), 1, out)


########################################################################
# Operating it: metrics, top, a service unit, completion, logs -f, hooks
########################################################################

METRIC_NAME = re.compile(r'^[a-zA-Z_:][a-zA-Z0-9_:]*$')
METRIC_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: (-?\d+))?$')
METRIC_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)')


def parse_exposition(test, text):
    """Check text against the Prometheus text format 0.0.4 and return
    ({(sample name, ((label, value), ...)): value}, {family: type})."""
    test.assertTrue(text.endswith('\n'), 'the exposition must end with a newline')
    samples, types, done, family = {}, {}, set(), None
    for line in text[:-1].split('\n'):
        if line.startswith('#'):
            words = line.split(' ', 3)
            if len(words) >= 3 and words[1] in ('HELP', 'TYPE'):
                test.assertRegex(words[2], METRIC_NAME)
                if words[1] == 'TYPE':
                    test.assertNotIn(words[2], types, 'second TYPE line for ' + words[2])
                    test.assertIn(words[3], ('counter', 'gauge', 'histogram', 'summary',
                                             'untyped'))
                    types[words[2]] = words[3]
                if words[2] != family:
                    test.assertNotIn(words[2], done, 'family %s is split up' % words[2])
                    done.add(family)
                    family = words[2]
            continue
        match = METRIC_SAMPLE.match(line)
        test.assertTrue(match, 'not a sample line: %r' % line)
        name, label_text, value = match.group(1), match.group(2) or '', match.group(3)
        owner = re.sub(r'_(bucket|sum|count)$', '', name) \
            if types.get(re.sub(r'_(bucket|sum|count)$', '', name)) == 'histogram' else name
        test.assertEqual(owner, family, 'sample %s outside its family (TYPE first)' % name)
        labels, rest = [], label_text
        while rest:
            label = METRIC_LABEL.match(rest)
            test.assertTrue(label, 'bad labels in %r' % line)
            labels.append((label.group(1), label.group(2)))
            rest = rest[label.end():]
        key = (name, tuple(sorted(labels)))
        test.assertNotIn(key, samples, 'duplicate series %r' % (key,))
        samples[key] = float(value)
        if types[family] == 'counter':
            test.assertTrue(name.endswith('_total'), 'counter %s without _total' % name)
    for family, kind in types.items():
        if kind != 'histogram':
            continue
        series = {}
        for (name, labels), value in samples.items():
            if name == family + '_bucket':
                rest = tuple(l for l in labels if l[0] != 'le')
                series.setdefault(rest, []).append((float(dict(labels)['le']), value))
        for rest, buckets in series.items():
            counts = [v for _, v in sorted(buckets)]
            test.assertEqual(counts, sorted(counts), 'buckets of %s not cumulative' % family)
            test.assertEqual(sorted(buckets)[-1][0], float('inf'))
            test.assertEqual(counts[-1], samples[(family + '_count', rest)])
            test.assertIn((family + '_sum', rest), samples)
    return samples, types


def series(name, **labels):
    """The key of a sample in parse_exposition's result."""
    return name, tuple(sorted(labels.items()))


class TestMetrics(QueuectlTestCase):

    def metrics(self):
        return parse_exposition(self, self.ok('metrics'))[0]

    def test_metrics_parse_and_their_counters_survive_prune(self):
        self.add('--key', 'ok', 'true')
        self.add('--max-retries', '1', 'exit 3')
        self.add('--queue', 'later', '--delay', '1h', 'true')
        self.ok('cancel', self.ok('add', '-q', 'sleep 1').strip())
        self.burst(1)
        got = self.metrics()
        finished = dict((dict(labels)['outcome'], value) for (name, labels), value
                        in got.items() if name == 'queuectl_jobs_finished_total'
                        and dict(labels)['queue'] == 'default')
        self.assertEqual(finished, {'completed': 1, 'dead': 1, 'cancelled': 1})
        self.assertEqual(got[series('queuectl_job_retries_total', queue='default')], 1)
        self.assertEqual(got[series('queuectl_jobs_added_total', queue='default')], 3)
        self.assertEqual(got[series('queuectl_jobs_added_total', queue='later')], 1)
        self.assertEqual(got[series('queuectl_job_duration_seconds_count', queue='default')],
                         3)                                          # three attempts ran
        self.assertEqual(got[series('queuectl_job_wait_seconds_count', queue='default')], 3)
        self.assertLess(got[series('queuectl_job_duration_seconds_sum', queue='default')], 5)
        self.assertEqual(got[series('queuectl_jobs', queue='later', state='pending')], 1)
        self.assertEqual(got[series('queuectl_dlq_jobs')], 1)
        self.assertEqual(got[series('queuectl_workers')], 0)
        self.ok('pause', 'later')
        self.ok('prune')
        self.ok('prune', '--status', 'dead')
        again = self.metrics()
        self.assertEqual(again[series('queuectl_jobs', queue='default', state='completed')], 0)
        self.assertEqual(again[series('queuectl_queue_paused', queue='later')], 1)
        for key, value in got.items():
            if key[0].endswith(('_total', '_bucket', '_sum', '_count')):
                self.assertEqual(again[key], value, '%s changed after prune' % (key,))
        # No job id or command in any label.
        self.assertEqual(set(l for _, labels in again for l, _ in labels),
                         set(['queue', 'state', 'outcome', 'le']))

    def test_textfile_is_written_atomically_and_readable_by_node_exporter(self):
        self.add('true')
        target = self.path('metrics', 'queuectl.prom')
        os.mkdir(self.path('metrics'))
        self.assertEqual(self.ok('metrics', '--textfile', target), '')
        with open(target) as handle:
            samples, _ = parse_exposition(self, handle.read())
        self.assertEqual(samples[series('queuectl_jobs', queue='default', state='pending')], 1)
        self.assertEqual(stat.S_IMODE(os.stat(target).st_mode), 0o644)
        self.assertEqual(os.listdir(self.path('metrics')), ['queuectl.prom'])   # no temp file
        err = self.fails(1, 'metrics', '--textfile', self.path('missing', 'x.prom'))
        self.assertRegex(err, r'^queuectl: error: cannot write .*x\.prom: No such file')

    def test_a_lost_worker_is_counted_and_an_upgrade_keeps_the_old_jobs_counted(self):
        # A v1 database with finished jobs, upgraded on open.
        conn = sqlite3.connect(make_version_1_database(self.db_path))
        conn.executemany(
            "INSERT INTO jobs (command, state, max_retries, run_at, cwd, created_at, updated_at)"
            " VALUES ('true', ?, 3, 0, '/', 0, 0)", [('completed',), ('completed',), ('dead',)])
        conn.execute("INSERT INTO queues (name) VALUES ('default')")
        conn.commit()
        conn.close()
        store = queuectl.Store(self.db_path)
        self.addCleanup(store.close)
        now = time.time()
        store.add_jobs([queuectl.build_spec({'command': 'true'}, queuectl.Config(self.env),
                                            now, cwd=self.home)], now)
        job = store.claim('w1', 'h:1', 30)
        lost = queuectl.PoolWrite('finish', job, state='failed', delay=1, error='worker lost')
        self.assertEqual(store.pool_round([lost], (), 30), ([True], []))
        got = self.metrics()
        d = {'queue': 'default'}
        self.assertEqual(got[series('queuectl_jobs_finished_total', outcome='completed', **d)],
                         2)
        self.assertEqual(got[series('queuectl_jobs_added_total', **d)], 4)
        self.assertEqual(got[series('queuectl_jobs_lost_total', **d)], 1)
        self.assertEqual(got[series('queuectl_job_retries_total', **d)], 1)
        # When a lost worker's job stopped is not known: it has no run time.
        self.assertEqual(got[series('queuectl_job_duration_seconds_count', **d)], 0)


def strip_terminal_codes(data):
    """The text a curses program wrote, escape sequences replaced by spaces."""
    text = re.sub(rb'\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>78]', b' ', data)
    return text.decode('utf-8', 'replace')


class Terminal(object):
    """A program on a pseudo-terminal of a given size; what it writes is kept."""

    def __init__(self, test, argv, env, size=(30, 110)):
        import fcntl
        import struct
        import termios
        self.fcntl, self.struct, self.termios = fcntl, struct, termios
        self.master, slave = os.openpty()
        self.resize(*size, fd=slave)
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env,
                                     cwd=test.home, start_new_session=True)
        test.procs.append(self.proc)
        os.close(slave)
        self.data = b''
        self.test = test

    def resize(self, lines, columns, fd=None):
        self.fcntl.ioctl(self.master if fd is None else fd, self.termios.TIOCSWINSZ,
                         self.struct.pack('HHHH', lines, columns, 0, 0))

    def read(self):
        import select
        while select.select([self.master], [], [], 0)[0]:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                break
            if not chunk:
                break
            self.data += chunk
        return strip_terminal_codes(self.data)

    def wait_for(self, *texts):
        """Wait until every text was written after this call began."""
        start = len(self.data)

        def shown():
            self.read()
            screen = strip_terminal_codes(self.data[start:])
            return all(text in screen for text in texts)
        self.test.wait_until(shown, timeout=15, what='%s on the screen' % ' and '.join(texts))

    def press(self, key):
        os.write(self.master, key)

    def close(self):
        os.close(self.master)


class TestTop(ReliabilityCase):

    def test_top_once_shows_queues_the_running_job_and_recent_results(self):
        self.add('--max-retries', '0', 'echo done')
        self.add('--max-retries', '0', '--key', 'slow', 'sleep 30')
        self.add('--queue', 'emails', '--delay', '1h', 'true')
        pool = self.pool(1)
        self.wait_state('slow', 'processing')
        # A pool writes its metrics counts once a second (TALLY_FLUSH).
        out = self.wait_until(lambda: (lambda o: 'all time: 1 completed' in o and o)(
            self.ok('top', '--once')), timeout=10, what='the completed job counted')
        self.assertIn('\nWorkers: 1 active in 1 pool   Jobs: 1 pending, 1 running, 0 failed, '
                      '0 in DLQ\nFinished, all time: 1 completed, 0 dead, 0 cancelled\n', out)
        self.assertRegex(out, r'\ndefault +0 +1 +0 +0 +0 +- +running\n')
        self.assertRegex(out, r'\nemails +1 +0 +1 +0 +0 +- +running\n')
        self.assertRegex(out, r'\n2 +slow +default +[^ ]+:%d +[\d.]+m?s +1/1 +sleep 30\n'
                         % self.worker_rows(pool_pid=pool.pid)[0][0])
        self.assertRegex(out, r'\n1 +1 +\d\d:\d\d:\d\d +[\d.]+m?s +ok +completed +echo done\n')
        self.ok('cancel', 'slow')
        self.stop_pool(pool)
        self.ok('limit', 'emails', '3')
        self.assertRegex(self.ok('top', '--once'),
                         r'\nQueue +Pending +Running +Delayed +Failed +DLQ +Oldest +Limit +State\n'
                         r'default +.* +- +running\nemails +.* +3 +running\n')

    def test_top_in_a_terminal_shows_the_queues_and_p_pauses_the_selected_one(self):
        try:
            import curses
            with open(os.devnull, 'w') as null:
                curses.setupterm('xterm', null.fileno())
        except Exception as exc:                    # no curses, or no terminfo for xterm
            self.skipTest('curses cannot drive an xterm here: %s' % exc)
        self.add('--queue', 'emails', 'true')
        self.add('--queue', 'zzz', '--delay', '1h', 'true')
        env = dict(self.env, TERM='xterm', COLUMNS='', LINES='')
        term = Terminal(self, [sys.executable, SCRIPT, 'top', '--interval', '0.2'], env)
        self.addCleanup(term.close)
        term.wait_for('Queues (2)', 'emails', 'zzz', 'q quit')
        term.press(b'p')                                # the first queue is selected
        term.wait_for('Paused queue emails')
        self.assertEqual(json.loads(self.ok('status', '--json'))['queues']['emails']['paused'],
                         True)
        term.press(b'\x1bOB')                           # down (keypad mode): the next queue
        term.press(b'p')
        term.wait_for('Paused queue zzz')
        term.resize(8, 40)
        term.proc.send_signal(signal.SIGWINCH)
        term.wait_for('terminal too small')
        term.resize(30, 110)
        term.proc.send_signal(signal.SIGWINCH)
        term.wait_for('Queues (2)')
        term.press(b'q')
        self.assertEqual(term.proc.wait(timeout=10), 0, term.read())
        self.assertNotIn('Traceback', term.read())
        self.assertEqual(queuectl.Store(self.db_path).pause_rows(), {'emails': 1, 'zzz': 1})

    def test_top_keys_retry_a_dlq_job_cancel_after_confirmation_and_pause_its_queue(self):
        dead = self.add('--max-retries', '0', 'exit 3')
        done = self.add('true')
        self.burst(1)
        args = type('Args', (), {'db': None})()
        ctx = queuectl.Context(args, io.StringIO(), io.StringIO(), self.env)
        self.addCleanup(ctx.close)
        view = queuectl.TopView(ctx, ctx.store())
        view.refresh()
        view.key('tab')
        view.key('tab')                                  # the Recent pane
        recent = [run['job_id'] for run in view.items()[2]]
        for _ in range(recent.index(dead)):
            view.key('down')
        selected = [text for text, style in view.lines(100, 30) if style == 'select']
        self.assertEqual(len(selected), 1)
        self.assertRegex(selected[0], r'^%d +1 .* exit status 3 +dead +exit 3' % dead)
        view.key('r')
        self.assertEqual(view.message, 'Requeued job %d from the DLQ' % dead)
        self.assertEqual(self.state(dead), 'pending')
        view.key('up' if recent.index(done) < recent.index(dead) else 'down')
        view.key('c')
        self.assertEqual(view.message, 'Cancel job %d? Press y to confirm.' % done)
        view.key('n')                                    # anything but y: nothing happens
        view.key('c')
        view.key('y')
        self.assertEqual(view.message, 'error: job %d is already completed' % done)
        view.key('p')                                    # the selected job's queue
        self.assertEqual(view.message, 'Paused queue default')
        self.assertEqual(view.key('q'), 'quit')

    def test_top_reads_as_much_of_the_database_at_20000_jobs_as_at_40000(self):
        steps = []
        for _ in range(2):
            self.ok('add', '--stdin', '--delay', '1d', stdin='true\n' * 20000)
            store = queuectl.Store(self.db_path)
            self.addCleanup(store.close)
            count = [0, 0]
            for index, read in enumerate((lambda: store.top_snapshot(time.time()),
                                          store.status_snapshot)):
                store.conn.set_progress_handler(lambda i=index: count.__setitem__(
                    i, count[i] + 1), 100)
                read()
                store.conn.set_progress_handler(None, 0)
            steps.append(count)
        (top1, status1), (top2, status2) = steps
        self.assertLess(top2, top1 * 1.1, 'top read more at 40000 jobs: %s' % steps)
        self.assertGreater(status2, status1 * 1.8, 'the measurement cannot tell: %s' % steps)
        self.assertLess(top2, status2, steps)


class TestServiceUnit(ReliabilityCase):

    def unit(self, *argv, **kwargs):
        text = self.ok('worker', 'unit', *argv, **kwargs)
        settings = {}
        for line in text.splitlines():
            key, sep, value = line.partition('=')
            if sep and not line.startswith('#'):
                settings.setdefault(key, []).append(value)
        return text, settings

    def test_the_unit_runs_a_pool_that_a_stop_of_the_main_pid_lets_finish_its_job(self):
        import shlex
        text, unit = self.unit('--count', '1')
        self.assertEqual((unit['KillMode'], unit['Restart'], unit['TimeoutStopSec']),
                         (['mixed'], ['on-failure'], ['infinity']))
        argv = shlex.split(unit['ExecStart'][0])
        self.assertEqual(argv[:2], [sys.executable, os.path.realpath(SCRIPT)])
        self.assertEqual(argv[2:], ['--db', self.db_path, 'worker', 'start', '--count', '1'])
        env = dict(shlex.split(line)[0].split('=', 1) for line in unit['Environment'])
        self.assertEqual(env['QUEUECTL_CONFIG'], self.path('config.json'))
        self.assertEqual(env['QUEUECTL_KILL_GRACE'], '1')         # the settings in effect
        self.assertNotIn('QUEUECTL_HOME', env)                   # --db says where
        job_id = self.add('touch started; sleep 1; touch done')
        proc = subprocess.Popen(argv, env=env, cwd='/', stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                start_new_session=True)
        self.procs.append(proc)
        self.wait_until(lambda: os.path.exists(self.path('started')), what='job started')
        os.kill(proc.pid, signal.SIGTERM)                        # KillMode=mixed: main pid
        self.assertEqual(proc.wait(timeout=20), 0)
        self.assertTrue(os.path.exists(self.path('done')))
        self.assertEqual(self.state(job_id), 'completed')
        grace = dict(self.env, QUEUECTL_SHUTDOWN_GRACE='60')
        self.assertEqual(self.unit(env=grace)[1]['TimeoutStopSec'], ['91'])   # 60 + 1 + 30

    def test_systemd_analyze_verifies_the_unit(self):
        import shutil
        if not shutil.which('systemd-analyze'):
            self.skipTest('systemd-analyze not found')
        path = self.path('queuectl-test.service')
        with open(path, 'w') as handle:
            handle.write(self.unit('--count', '2', '--queue', 'emails')[0])
        proc = subprocess.run(['systemd-analyze', 'verify', path], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=60)
        output = proc.stdout.decode('utf-8', 'replace')
        self.assertEqual(proc.returncode, 0, output)
        self.assertNotIn('queuectl-test.service', output)


class TestCompletion(QueuectlTestCase):

    def complete(self, shell, lines):
        """Run the completion function in `shell` for each command line in lines
        (the last word is being completed); returns the candidates per line."""
        import shutil
        if not shutil.which(shell):
            self.skipTest('%s not found' % shell)
        bin_dir = self.path('bin')
        if not os.path.isdir(bin_dir):
            os.mkdir(bin_dir)
        with open(os.path.join(bin_dir, 'queuectl'), 'w') as handle:
            handle.write('#!/bin/sh\nexec "%s" "%s" "$@"\n' % (sys.executable, SCRIPT))
        os.chmod(os.path.join(bin_dir, 'queuectl'), 0o755)
        script = self.path('completion.' + shell)
        with open(script, 'w') as handle:
            handle.write(self.ok('completion', shell))
        calls = ''.join('c %s ""\n' % line if line.endswith(' ') else 'c %s\n' % line
                        for line in lines)
        setup = ('autoload -U +X compinit && compinit -u\nsource %s\nemulate sh -c \'%s\'\n'
                 if shell == 'zsh' else 'source %s\n%s')
        body = ('c() { COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); '
                'COMPREPLY=(); _queuectl; echo "${COMPREPLY[*]}"; }\n' + calls)
        env = dict(self.env, PATH=bin_dir + os.pathsep + os.environ.get('PATH', ''))
        proc = subprocess.run([shell, '-c', setup % (script, body)], env=env, cwd=self.home,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return [line.split() for line in proc.stdout.decode().splitlines()]

    LINES = ['queuectl wo', 'queuectl worker st', 'queuectl --db x.db worker start --', 'queuectl pause ',
             'queuectl list --status f', 'queuectl config get max-r', 'queuectl show ',
             'queuectl add --timeout ', 'queuectl completion ']

    def test_bash_completes_commands_options_queues_and_keys_from_the_parser(self):
        self.add('--queue', 'emails', '--key', 'deploy-1', 'true')
        got = self.complete('bash', self.LINES)
        self.assertEqual(got, [['worker'], ['start', 'stop'],
                               ['--another', '--burst', '--count', '--db', '--detach', '--help', '--queue'],
                               ['emails'], ['failed'], [], ['deploy-1'], [], ['bash', 'zsh']])
        self.assertIn('max_retries', self.complete('bash', ['queuectl config get '])[0])

    def test_zsh_runs_the_same_completion_through_bashcompinit(self):
        self.add('--queue', 'emails', '--key', 'deploy-1', 'true')
        got = self.complete('zsh', ['queuectl worker ', 'queuectl pause ', 'queuectl show '])
        self.assertEqual(got, [['list', 'start', 'stop', 'unit'], ['emails'], ['deploy-1']])

    def test_completion_needs_a_known_shell(self):
        self.assertIn("expected bash or zsh, got 'fish'", self.fails(2, 'completion', 'fish'))
        self.assertIn('give the shell', self.fails(2, 'completion'))


class TestFollowMany(ReliabilityCase):

    def test_logs_follow_of_several_jobs_and_of_every_job_prefix_each_line(self):
        gate = self.path('go')
        first = self.add('echo a1; while [ ! -e %s ]; do sleep 0.05; done; echo a2' % gate)
        second = self.add('echo b1; echo b2')
        several = self.spawn_drained('logs', '-f', str(first), str(second))
        every = self.spawn_drained('logs', '-f')
        time.sleep(0.3)                               # both followers are polling
        pool = self.pool(2)
        self.wait_until(lambda: '[%d] a1' % first in every.out.text(), what='a1 followed')
        third = self.add('printf "c1\\nno newline"')
        open(gate, 'w').close()
        self.assertEqual(several.wait(timeout=20), 0, several.err.text())
        text = several.out.join()
        lines = text.splitlines()
        for job_id, output in ((first, ['a1', 'a2']), (second, ['b1', 'b2'])):
            mine = [l[len('[%d] ' % job_id):] for l in lines if l.startswith('[%d] ' % job_id)]
            self.assertRegex(mine[0], r'^=== job %d attempt 1: started' % job_id)
            self.assertEqual(mine[1:-1], output)
            self.assertRegex(mine[-1], r'^=== exit status 0 after')
        self.assertEqual(len(lines), 8, text)
        self.wait_until(lambda: '[%d] no newline\n[%d] ===' % (third, third) in every.out.text(),
                        what='the job added later followed too')
        self.assertIn('[%d] c1\n' % third, every.out.text())
        self.assertIn('[%d] a2\n' % first, every.out.text())
        self.assertIsNone(every.poll())               # follows until interrupted
        self.stop_pool(pool)
        self.assertIn('--attempt needs exactly one job',
                      self.fails(2, 'logs', str(first), str(second), '--attempt', '1'))
        self.assertIn('give a job id', self.fails(2, 'logs'))


class TestNotifications(ReliabilityCase):

    def test_on_finish_runs_for_dead_jobs_with_the_job_in_its_environment(self):
        self.ok('config', 'set', 'on_finish', 'env | grep ^QUEUECTL_JOB_ | sort > '
                '%s/hook.$QUEUECTL_JOB_ID; exit 3' % self.home)
        dead = self.add('--max-retries', '0', '--key', 'backup', 'echo disk full; exit 7')
        fine = self.add('true')
        log = self.burst(1)
        self.wait_until(lambda: os.path.exists(self.path('hook.%d' % dead)), what='hook ran')
        self.wait_until(lambda: self.read_file('hook.%d' % dead).endswith('\n'), what='hook')
        self.assertEqual(self.read_file('hook.%d' % dead).splitlines(), [
            'QUEUECTL_JOB_ATTEMPTS=1', 'QUEUECTL_JOB_COMMAND=echo disk full; exit 7',
            'QUEUECTL_JOB_ERROR=exit status 7: disk full', 'QUEUECTL_JOB_EXIT_CODE=7',
            'QUEUECTL_JOB_ID=%d' % dead, 'QUEUECTL_JOB_KEY=backup',
            'QUEUECTL_JOB_QUEUE=default', 'QUEUECTL_JOB_STATE=dead'])
        self.assertFalse(os.path.exists(self.path('hook.%d' % fine)))    # dead only
        self.assertRegex(log, r'queuectl\[\d+\] WARNING on_finish for job %d failed: exit '
                              r'status 3\n' % dead)
        self.assertEqual(self.job(dead)['state'], 'dead')                # unchanged

    def test_a_slow_hook_does_not_hold_up_the_pool(self):
        self.ok('config', 'set', 'on_finish_states', 'all')
        self.ok('config', 'set', 'on_finish', 'sleep 2; echo $QUEUECTL_JOB_STATE > '
                '%s/hook.$QUEUECTL_JOB_ID' % self.home)
        ids = [self.add('--max-retries', '1', 'exit 1'), self.add('true')]
        started = time.monotonic()
        with open(self.path('pool.log'), 'w') as log:
            proc = subprocess.Popen([sys.executable, SCRIPT, 'worker', 'start', '--count', '1',
                                     '--burst'], env=self.env, stdin=subprocess.DEVNULL,
                                    stdout=log, stderr=log, start_new_session=True)
            self.procs.append(proc)
            self.assertEqual(proc.wait(timeout=20), 0)
        # Three hooks of 2 s each: waiting for them would take 6 s or more.
        self.assertLess(time.monotonic() - started, 3.9, 'the pool waited for its hooks')
        self.assertEqual([self.state(i) for i in ids], ['dead', 'completed'])
        self.wait_until(lambda: os.path.exists(self.path('hook.%d' % ids[1])), timeout=10,
                        what='hook of the completed job')
        self.wait_until(lambda: self.read_file('hook.%d' % ids[0]) == 'dead\n', timeout=10,
                        what='the last hook of the failing job')

    def test_hook_states_are_validated(self):
        self.assertIn('expected a comma-separated list of completed, failed, dead, or all',
                      self.fails(2, 'config', 'set', 'on_finish_states', 'done'))
        self.assertEqual(self.ok('config', 'set', 'on-finish-states', 'dead, completed'),
                         'Set on_finish_states = completed,dead\n')
        self.assertEqual(self.ok('config', 'get', 'on_finish'), '\n')

    def read_file(self, name):
        try:
            with open(self.path(name)) as handle:
                return handle.read()
        except OSError:
            return ''


########################################################################
# Portability: the SQLite 3.15 floor, index use
########################################################################

# Constructs newer than SQLite 3.15 (with the version that added them).
NEWER_SQL = (
    (r'\bRETURNING\b', '3.35'), (r'\bON\s+CONFLICT\b', '3.24 upsert'),
    (r'\bSTRICT\b', '3.37'), (r'\bOVER\s*\(', '3.25 window functions'),
    (r'\bFILTER\s*\(', '3.30'), (r'\bjson_?\w*\s*\(', 'JSON1'), (r'->>?', '3.38'),
    (r'\biif\s*\(', '3.32'), (r'\bGENERATED\s+ALWAYS\b', '3.31'),
    (r'\bunixepoch\s*\(', '3.38'), (r'\b(TRUE|FALSE)\b', '3.23 boolean literals'),
    (r'\bNULLS\s+(FIRST|LAST)\b', '3.30'), (r'\bDROP\s+COLUMN\b', '3.35'),
    (r'\bRENAME\s+COLUMN\b', '3.25'), (r'\bUPDATE\b[^;]*\bFROM\b', '3.33 UPDATE FROM'),
    (r'\bDISTINCT\s+FROM\b', '3.39'), (r'\bMATERIALIZED\b', '3.35'),
)


def sql_literals(path):
    """The string constants of a Python file that look like SQL (docstrings excluded),
    but for PostgreSQL's own (in classes named Postgres* or Pg*)."""
    import ast
    words = re.compile(r'\b(SELECT|INSERT|UPDATE|DELETE|CREATE|PRAGMA|BEGIN|WHERE)\b')
    with open(path, 'rb') as handle:
        tree = ast.parse(handle.read())
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name.startswith(('Postgres', 'Pg')):
            docstrings.update(id(inner) for inner in ast.walk(node))
    for node in ast.walk(tree):
        body = getattr(node, 'body', None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            docstrings.add(id(body[0].value))
    modern = sys.version_info >= (3, 8)         # strings are ast.Constant (.value) from 3.8
    string_node = ast.Constant if modern else ast.Str  # novermin
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, string_node) or id(node) in docstrings:
            continue
        text = node.value if modern else node.s
        if isinstance(text, str) and words.search(text):
            found.append(text)
    return found


class TestPortability(QueuectlTestCase):

    def test_sql_uses_nothing_newer_than_sqlite_3_15(self):
        literals = sql_literals(SCRIPT)
        self.assertGreater(len(literals), 40)
        for literal in literals:
            flat = literal
            while re.search(r'\([^()]*\)', flat):       # drop subqueries and calls
                flat = re.sub(r'\([^()]*\)', '', flat)
            for pattern, since in NEWER_SQL:
                text = flat if 'UPDATE' in pattern else literal
                self.assertIsNone(re.search(pattern, text, re.I),
                                  'SQL needs SQLite %s: %s' % (since, literal))

    def test_the_expected_sqlite_is_the_one_loaded(self):
        expected = os.environ.get('QUEUECTL_EXPECT_SQLITE')
        if not expected:
            self.skipTest('QUEUECTL_EXPECT_SQLITE not set (make test-oldest sets it)')
        self.assertEqual(sqlite3.sqlite_version, expected)

    def test_a_claim_does_not_walk_a_paused_backlog(self):
        self.ok('add', '--stdin', '--queue', 'bulk', stdin='true\n' * 20000)
        self.ok('pause', 'bulk')
        self.ok('add', '--stdin', '--delay', '1d', stdin='true\n' * 5000)    # due tomorrow
        job_id = self.add('--priority', '-5', 'true')
        store = queuectl.Store(self.db_path)
        self.addCleanup(store.close)
        steps = []
        store.conn.set_progress_handler(lambda: steps.append(1), 100)    # every 100 VM ops
        self.assertTrue(store.runnable_exists(time.time()))
        job = store.claim('w', 'h:1', 30)
        store.conn.set_progress_handler(None, 0)
        self.assertEqual(job['id'], job_id)
        self.assertLess(len(steps) * 100, 20000, 'claims walked the backlog')

    def test_claims_and_counts_go_through_indexes(self):
        self.ok('add', '--stdin', stdin='true\n' * 50)
        self.ok('add', '--after', '1', '--queue', 'q2', '--priority', '5', 'true')
        self.ok('pause', 'q2')
        self.ok('limit', 'default', '3')        # claims count the running jobs of the queue
        statements = []
        store = queuectl.Store(self.db_path)
        self.addCleanup(store.close)
        store.conn.set_trace_callback(lambda sql: statements.append(sql))  # 3.6: hashable
        now = time.time()
        store.runnable_exists(now, ['default'])
        store.claim('w', 'h:1', 30, None)
        store.next_due(now)
        store.has_work_in_flight()
        store.status_snapshot()
        store.top_snapshot(now, ended=[1, 2])
        store.metrics_snapshot(now)
        store.conn.set_trace_callback(None)
        checked = 0
        for sql in statements:
            if not sql.lstrip().upper().startswith('SELECT') or 'FROM jobs' not in sql:
                continue
            params = [None] * sql.count('?')
            plan = ' | '.join(row[-1] for row in store.conn.execute(
                'EXPLAIN QUERY PLAN ' + sql, params))
            for step in plan.split(' | '):
                if re.search(r'^SCAN (TABLE )?jobs\b', step):
                    self.assertIn('INDEX', step, 'full scan of jobs in: %s\n%s' % (sql, plan))
            checked += 1
        self.assertGreaterEqual(checked, 15)

    def test_generated_schema_uses_nothing_newer_than_sqlite_3_15(self):
        statements = queuectl.SCHEMA + sum(queuectl.MIGRATIONS.values(), ())
        self.assertIn('CREATE TABLE metrics', ' '.join(statements))
        for statement in statements:
            flat = statement
            while re.search(r'\([^()]*\)', flat):
                flat = re.sub(r'\([^()]*\)', '', flat)
            for pattern, since in NEWER_SQL:
                self.assertIsNone(re.search(pattern, flat if 'UPDATE' in pattern else statement,
                                            re.I), 'SQL needs SQLite %s: %s' % (since, statement))


########################################################################
# PostgreSQL: a throwaway server, the CLI classes on it, its own tests
########################################################################

# QUEUECTL_TEST_POSTGRES=required (make test-postgres, CI): a PostgreSQL test
# that cannot run fails instead of skipping.
POSTGRES_REQUIRED = os.environ.get('QUEUECTL_TEST_POSTGRES') == 'required'
POSTGRES_HOWTO = 'PostgreSQL tests skipped (%s); run them with: make test-postgres'
PG_PASSWORD = 'test-s3cret'     # in every test URL (trusted), to prove it is never printed
PG_CHECKED_ROLE = 'checked'     # the one role whose password is checked


def postgres_bin():
    """The folder with initdb and pg_ctl: on PATH, else Debian's versioned one."""
    import glob
    found = shutil.which('initdb')
    if found:
        return os.path.dirname(os.path.realpath(found))
    folders = glob.glob('/usr/lib/postgresql/*/bin/initdb')
    folders.sort(key=lambda path: [int(p) for p in re.findall(r'\d+', path)])
    return os.path.dirname(folders[-1]) if folders else None


def postgres_missing():
    """Why this machine cannot run the PostgreSQL tests, or None."""
    import importlib.util
    if not any(importlib.util.find_spec(name) for name in ('psycopg', 'psycopg2')):
        return 'psycopg is not installed'
    if not postgres_bin():
        return 'initdb not found'
    return None


class PostgresServer(object):
    """One throwaway server per test process, started on first use: initdb into
    a temp folder, a unix socket in that folder only (no TCP), fsync off,
    stopped at exit. Root runs its tools as the postgres user (initdb
    refuses root). Connections are trusted (fast), but for one role that
    has a password. A test gets a database cloned from a migrated template,
    or one a finished test emptied (TRUNCATE ... RESTART IDENTITY: as good
    as new, and ten times faster than CREATE DATABASE on a busy machine)."""

    running = None

    @classmethod
    def get(cls):
        if cls.running is None:
            cls.running = cls()
        return cls.running

    def __init__(self):
        self.bin = postgres_bin()
        self.dir = tempfile.mkdtemp(prefix='queuectl-pg-')
        self.as_user = []
        if os.geteuid() == 0:
            import pwd
            user = pwd.getpwnam('postgres')
            os.chown(self.dir, user.pw_uid, user.pw_gid)
            self.as_user = ['runuser', '-u', 'postgres', '--']
        data = os.path.join(self.dir, 'data')
        self.tool('initdb', '-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8',
                  '--locale', 'C', '--no-sync')
        hba = os.path.join(data, 'pg_hba.conf')
        with open(hba) as handle:
            rules = handle.read()
        with open(hba, 'w') as handle:              # first match wins
            handle.write('local all %s scram-sha-256\n%s' % (PG_CHECKED_ROLE, rules))
        import atexit
        atexit.register(self.stop)
        self.start()
        self.driver = queuectl.PostgresDialect._driver()
        self.admin = self.connect('postgres')
        self.sql(self.admin, "CREATE ROLE %s LOGIN SUPERUSER PASSWORD '%s'"
                 % (PG_CHECKED_ROLE, PG_PASSWORD))
        self.count = 0
        self.emptied = []
        version = getattr(self.admin, 'server_version', None) or self.admin.info.server_version
        self.strategy = ' STRATEGY FILE_COPY' if version >= 150000 else ''
        self.template = self.fresh_database(empty=True)
        queuectl.Store(self.url(self.template)).close()

    def start(self):
        self.tool('pg_ctl', '-D', os.path.join(self.dir, 'data'), '-l',
                  os.path.join(self.dir, 'log'), '-w', '-o',
                  "-c listen_addresses='' -k %s -c fsync=off -c synchronous_commit=off "
                  "-c full_page_writes=off -c max_connections=300" % self.dir, 'start')

    def restart(self, while_down=None):
        """Stop the server (fast: sessions are ended), call while_down(), start it."""
        self.admin.close()
        self.tool('pg_ctl', '-D', os.path.join(self.dir, 'data'), '-m', 'fast', '-w', 'stop')
        try:
            if while_down:
                while_down()
        finally:
            self.start()
            self.admin = self.connect('postgres')

    def tool(self, name, *args):
        proc = subprocess.run(self.as_user + [os.path.join(self.bin, name)] + list(args),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if proc.returncode:
            raise RuntimeError('%s failed: %s' % (name, proc.stdout.decode()))

    def url(self, name, password=PG_PASSWORD, user='postgres'):
        return 'postgresql://%s:%s@/%s?host=%s' % (user, password, name, self.dir)

    def connect(self, name):
        conn = self.driver.connect(self.url(name))
        conn.autocommit = True
        return conn

    def sql(self, conn, sql, params=()):
        cursor = conn.cursor()
        cursor.execute(sql.replace('?', '%s'), params or None)
        return cursor.fetchall() if cursor.description else []

    def fresh_database(self, empty=False):
        """A new database, empty or with queuectl's schema; returns its name."""
        if self.emptied and not empty:
            return self.emptied.pop()
        self.count += 1
        name = 'test_%d_%d' % (os.getpid(), self.count)
        self.sql(self.admin, 'CREATE DATABASE %s TEMPLATE %s%s' % (
            name, 'template0' if empty else self.template, self.strategy))
        return name

    def recycle(self, name):
        """Empty a test's database for the next test: end the sessions of
        processes it left, then truncate every table but the schema version and
        the database's facts (meta: its instance name)."""
        self.sql(self.admin, 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity '
                             'WHERE datname = ? AND pid <> pg_backend_pid()', (name,))
        conn = self.connect(name)
        try:
            tables = [row[0] for row in self.sql(
                conn, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                      "AND tablename NOT IN ('queuectl_schema', 'meta')")]
            self.sql(conn, 'TRUNCATE %s RESTART IDENTITY' % ', '.join(tables))
        finally:
            conn.close()
        self.emptied.append(name)

    def drop(self, name):
        """Drop a test's database, ending the sessions of processes it left."""
        try:
            self.sql(self.admin, 'DROP DATABASE IF EXISTS %s WITH (FORCE)' % name)
        except self.driver.Error:                           # PostgreSQL before 13
            self.sql(self.admin, 'DROP DATABASE IF EXISTS %s' % name)

    def stop(self):
        self.admin.close()
        self.tool('pg_ctl', '-D', os.path.join(self.dir, 'data'), '-m', 'immediate', 'stop')
        shutil.rmtree(self.dir, ignore_errors=True)


class OnPostgres(object):
    """Mixin: a test class's tests, each against a fresh PostgreSQL database
    (QUEUECTL_DB_PATH is its URL)."""

    EMPTY_DATABASE = False          # True: no schema yet (else cloned with it: faster)

    def setUp(self):
        missing = postgres_missing()
        if missing:
            self.skipTest(POSTGRES_HOWTO % missing)
        self.server = PostgresServer.get()
        self.db_name = self.server.fresh_database(self.EMPTY_DATABASE)
        # Runs last (after the reaping of processes): an empty database is dropped,
        # since its test may have changed the schema.
        self.addCleanup(self.server.drop if self.EMPTY_DATABASE else self.server.recycle,
                        self.db_name)
        super(OnPostgres, self).setUp()
        self.db_url = self.server.url(self.db_name)
        self.env['QUEUECTL_DB_PATH'] = self.db_url
        self.db_path = None

    def skipTest(self, reason):
        if POSTGRES_REQUIRED:
            self.fail('a PostgreSQL test cannot run: ' + reason)
        super(OnPostgres, self).skipTest(reason)

    def db_rows(self, sql, params=()):
        conn = self.server.connect(self.db_name)
        try:
            return self.server.sql(conn, sql, params)
        except self.server.driver.Error as exc:
            if queuectl._sqlstate(exc) == '42P01':          # no schema yet
                return []
            raise
        finally:
            conn.close()

    def assert_integrity(self):
        """PostgreSQL checks its own pages."""

    def query(self, sql, params=()):
        return self.db_rows(sql, params)

    def script(self):
        """queuectl.py compiled once (as an installed queuectl is): a process that
        compiles the whole file pays about as much as importing the driver."""
        return compiled_script()

    def host_env(self, name, **extra):
        """The environment of another "host": its name and a home of its own
        (its pools keep their logs there), the same database."""
        home = self.path(name)
        if not os.path.isdir(home):
            os.mkdir(home, 0o700)
        return dict(extra, QUEUECTL_HOSTNAME=name, QUEUECTL_HOME=home)


def compiled_script(cache={}):
    """queuectl.py as bytecode in a temporary folder (python runs a .pyc as a script)."""
    if 'path' not in cache:
        import atexit
        import py_compile
        folder = tempfile.mkdtemp(prefix='queuectl-pyc-')
        atexit.register(shutil.rmtree, folder, True)
        cache['path'] = py_compile.compile(SCRIPT, cfile=os.path.join(folder, 'queuectl.pyc'),
                                           doraise=True)
    return cache['path']


def on_postgres(cls, sqlite_only=(), only=None):
    """cls's tests on PostgreSQL, less those about SQLite's files (or only those
    named in `only`: what PostgreSQL does differently, within the time budget)."""
    if only is not None:
        sqlite_only = [n for n in dir(cls) if n.startswith('test_') and n not in only]
    attrs = dict((name, None) for name in sqlite_only)       # None: not collected
    attrs['__doc__'] = '%s, on PostgreSQL.' % cls.__name__
    return type(cls.__name__ + 'OnPostgres', (OnPostgres, cls), attrs)


class TestPostgresUrls(QueuectlTestCase):
    """What needs no server: URL handling, masking, the optional driver."""

    URL = 'postgresql://app:s3cret@db.example:5432/jobs?sslmode=require'

    def test_sqlite_never_imports_a_postgres_driver(self):
        code = ('import sys, queuectl; queuectl.main(["add", "true"]); queuectl.main(["list"]);'
                'queuectl.main(["status"]); print(sorted(m for m in sys.modules '
                'if m.startswith("psycopg")))')
        proc = subprocess.run([sys.executable, '-c', code], cwd=HERE, env=self.env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
        self.assertEqual(proc.stdout.decode().splitlines()[-1], '[]', proc.stderr)

    def test_without_a_driver_a_url_is_one_line_and_exit_2(self):
        with mock.patch.dict(sys.modules, {'psycopg': None, 'psycopg2': None}):
            err = self.fails(2, '--db', self.URL, 'status')
        self.assertEqual(err, 'queuectl: error: a PostgreSQL database needs psycopg: '
                              'pip install "psycopg[binary]"\n')

    def test_a_url_is_taken_as_given_and_its_password_never_printed(self):
        env = dict(self.env, QUEUECTL_DB_PATH=self.URL)
        masked = self.URL.replace(':s3cret@', ':***@')
        self.assertEqual(self.ok('config', 'get', 'db_path', env=env), masked + '\n')
        self.assertRegex(self.ok('config', 'list', env=env),
                         r'db_path\s+%s\s+env QUEUECTL_DB_PATH' % re.escape(masked))
        data = json.loads(self.ok('config', 'list', '--json', env=env))
        self.assertEqual(data['db_path']['value'], masked)
        self.assertEqual(self.ok('config', 'set', 'db_path', 'postgres://u:pw@h/d?password=x'),
                         'Set db_path = postgres://u:***@h/d?password=***\n')
        self.assertNotIn('s3cret', self.ok('config', 'list', env=env))


    def test_a_service_unit_names_the_database_masked_and_warns_of_the_password(self):
        code, out, err = self.cli('--db', self.URL, 'worker', 'unit')
        self.assertEqual(code, 0, err)
        self.assertIn('Description=queuectl worker pool (%s)'
                      % self.URL.replace(':s3cret@', ':***@'), out)
        self.assertEqual(err, 'queuectl: warning: the unit holds the database password (in '
                              'ExecStart): keep its file 0600, or leave the password out of '
                              'the URL and put it in ~/.pgpass\n')
        self.assertEqual(self.cli('--db', self.URL.replace(':s3cret', ''), 'worker',
                                  'unit')[2], '')


class TestPostgres(OnPostgres, QueuectlTestCase):
    """What only PostgreSQL has: connecting, its schema, its clock."""

    EMPTY_DATABASE = True

    def test_connection_failures_are_one_line_without_the_password(self):
        for url, code, expect in (
                (self.server.url(self.db_name, 'wrong-pass', PG_CHECKED_ROLE), 1,
                 'password authentication failed for user "%s"' % PG_CHECKED_ROLE),
                (self.server.url('no_such_db'), 1, 'database "no_such_db" does not exist'),
                ('postgresql://postgres:%s@/x?host=%s' % (PG_PASSWORD, self.path('nowhere')),
                 1, 'is the server running'),
                ('postgresql://postgres:%s@/x?colour=red' % PG_PASSWORD, 2,
                 'not a valid PostgreSQL URL')):
            for argv in (('add', 'true'), ('status',)):
                err = self.fails(code, '--db', url, *argv)
                self.assertEqual(len(err.splitlines()), 1, err)
                self.assertIn(expect, err)
                self.assertNotIn(PG_PASSWORD, err)
                self.assertIn(':***@', err)

    def test_the_password_may_come_from_pgpassword_or_pgpass(self):
        url = 'postgresql://%s@/%s?host=%s' % (PG_CHECKED_ROLE, self.db_name, self.server.dir)
        self.assertIn('password', self.fails(1, '--db', url, 'status'))
        # libpq reads these from the process environment: real processes here.
        added = self.run_proc('--db', url, 'add', 'true', env={'PGPASSWORD': PG_PASSWORD})
        self.assertEqual(added, (0, 'Added job with ID: 1\n', ''))
        with open(self.path('pgpass'), 'w') as handle:
            handle.write('*:*:*:%s:%s\n' % (PG_CHECKED_ROLE, PG_PASSWORD))
        os.chmod(handle.name, 0o600)
        code, out, err = self.run_proc('--db', url, 'status', env={'PGPASSFILE': handle.name})
        self.assertIn('Jobs: 1 total', out, err)

    def test_schema_is_created_once_however_many_start_together(self):
        procs = [self.spawn('add', '-q', 'echo %d' % i) for i in range(6)]
        outs = [proc.communicate(timeout=60) for proc in procs]
        self.assertEqual([p.returncode for p in procs], [0] * 6, outs)
        self.assertEqual(sorted(int(out) for out, _ in outs), list(range(1, 7)))
        self.assertEqual(self.db_rows('SELECT version FROM queuectl_schema'),
                         [(queuectl.SCHEMA_VERSION,)])

    def test_newer_schema_and_foreign_tables_are_refused(self):
        self.add('true')
        self.db_rows('UPDATE queuectl_schema SET version = 99')
        err = self.fails(1, 'status')
        self.assertIn('has schema version 99, newer than this queuectl', err)
        self.assertNotIn(PG_PASSWORD, err)
        other = self.server.fresh_database(empty=True)
        self.addCleanup(self.server.drop, other)
        conn = self.server.connect(other)
        self.server.sql(conn, 'CREATE TABLE jobs (id INTEGER)')
        conn.close()
        err = self.fails(1, '--db', self.server.url(other), 'add', 'true')
        self.assertIn('already has a table "jobs" that queuectl did not create', err)

    def test_schema_version_2_on_a_new_database_and_from_version_1(self):
        self.add('true')
        [(instance,)] = self.db_rows("SELECT value FROM meta WHERE name = 'instance'")
        self.assertRegex(instance, r'^[0-9a-f]{12}$')           # names its folder of logs
        self.assertEqual(self.db_rows('SELECT name, queue, label, count FROM metrics'),
                         [('added', 'default', '', 1)])
        # Back to what version 1 created (the same schema less version 2's).
        for sql in ('DROP TABLE meta', 'DROP TABLE metrics', 'ALTER TABLE jobs DROP base_env',
                    'ALTER TABLE queues DROP max_running', 'UPDATE queuectl_schema SET version = 1',
                    "UPDATE jobs SET state = 'completed'"):
            self.db_rows(sql)
        self.ok('add', '--queue', 'q2', 'true')                  # migrates, then adds
        self.assertEqual(self.db_rows('SELECT version FROM queuectl_schema'),
                         [(queuectl.SCHEMA_VERSION,)])
        self.assertEqual(self.db_rows("SELECT value FROM meta WHERE name = 'instance'"), [('',)])
        self.assertEqual(sorted(self.db_rows('SELECT name, queue, label, count FROM metrics')),
                         [('added', 'default', '', 1), ('added', 'q2', '', 1),
                          ('finished', 'default', 'completed', 1)])
        self.ok('limit', 'q2', '2')
        self.assertEqual(json.loads(self.ok('status', '--json'))['queues']['q2']['limit'], 2)
        self.ok('add', '-E', 'true')                              # base_env is back

    def test_times_come_from_the_database_clock(self):
        real = time.time()
        late = mock.patch('time.time', lambda: real - 3600)     # this host is an hour behind
        with late:
            job_id = self.add('true')
            batch = int(self.ok('add', '-q', '--stdin', '--delay', '1m', stdin='true\n'))
            self.ok('cancel', str(job_id))
        job, later = self.job(job_id), self.job(batch)
        for field in ('created_at', 'run_at', 'finished_at'):
            self.assertLess(abs(iso_to_epoch(job[field]) - real), 60, (field, job))
        self.assertLess(abs(iso_to_epoch(later['run_at']) - (real + 60)), 60, later)

    def test_batch_ids_are_consecutive_while_others_add(self):
        singles = [self.spawn('add', '-q', 'true') for _ in range(4)]
        batches = [self.spawn('add', '-q', '--stdin', stdin=subprocess.PIPE) for _ in range(3)]
        for proc in batches:
            proc.stdin.write(b'true\n' * 300)
            proc.stdin.close()
        for proc in batches:
            ids = [int(x) for x in proc.stdout.read().split()]
            self.assertEqual(proc.wait(timeout=60), 0, proc.stderr.read())
            self.assertEqual(ids, list(range(ids[0], ids[0] + 300)))
        for proc in singles:
            self.assertEqual(proc.wait(timeout=60), 0, proc.stderr.read())
        self.assertEqual(self.db_rows('SELECT COUNT(*) FROM jobs'), [(904,)])


# A process that adds N jobs through main() in a loop: one interpreter (one
# import of the driver), a connection and a transaction per add.
ADDER_LOOP = '''
import importlib.util, sys
spec = importlib.util.spec_from_file_location('queuectl', sys.argv[1])
queuectl = importlib.util.module_from_spec(spec)
spec.loader.exec_module(queuectl)
for _ in range(int(sys.argv[2])):
    if queuectl.main(['add', '-q', sys.argv[3]]) != 0:
        sys.exit(1)
'''


class TestPostgresPools(OnPostgres, ReliabilityCase):
    """Pools on many hosts (QUEUECTL_HOSTNAME) sharing one PostgreSQL queue."""

    FAST = {'QUEUECTL_LEASE_SECONDS': '2', 'QUEUECTL_HEARTBEAT_SECONDS': '0.2'}

    def connections(self):
        """Sessions on the test's database, but this query's own."""
        return self.db_rows('SELECT COUNT(*) FROM pg_stat_activity WHERE datname = '
                            'current_database() AND pid <> pg_backend_pid()')[0][0]

    def test_a_pool_holds_two_connections_and_listen_wakes_it_at_once(self):
        # Polling every 60 s: a job that starts within a second was woken by NOTIFY.
        pool = self.pool(4, env={'QUEUECTL_POLL_INTERVAL': '60'})
        self.wait_until(lambda: self.connections() == 2, what='two sessions')
        latencies = []
        for i in range(5):
            self.add('date +%%s.%%N > picked.%d' % i)
            added = time.time()
            started = self.wait_until(lambda: self.lines('picked.%d' % i), timeout=10,
                                      interval=0.002, what='job %d started' % i)
            latencies.append(float(started[0]) - added)
        latencies.sort()
        note('LISTEN pickup, idle pool polling every 60s: median %.1f ms, max %.1f ms after '
             'add returned' % (latencies[2] * 1000, latencies[-1] * 1000))
        self.assertLess(latencies[2], 0.5)
        # Four jobs running: still one session for the work, one for LISTEN.
        for _ in range(4):
            self.add('touch run.$QUEUECTL_JOB_ID; while [ ! -e go ]; do sleep 0.02; done')
        self.wait_until(lambda: len([r for r in self.worker_rows() if r[2]]) == 4,
                        what='four jobs running')
        self.assertEqual(self.connections(), 2)
        open(self.path('go'), 'w').close()
        code, log = self.stop_pool(pool)
        self.assertEqual(code, 0, log)
        self.assertEqual(self.connections(), 0)

    def test_two_hosts_share_a_queue_and_one_dies_whole(self):
        # Each attempt notes its host; it holds until its host's go file exists.
        ids = [self.add('echo "$QUEUECTL_HOSTNAME $$" > pid.$QUEUECTL_JOB_ID.$QUEUECTL_ATTEMPT; '
                        'echo "start $QUEUECTL_JOB_ID $QUEUECTL_HOSTNAME" >> runs; '
                        'while [ ! -e go.$QUEUECTL_HOSTNAME ]; do sleep 0.05; done; '
                        'echo "end $QUEUECTL_JOB_ID $QUEUECTL_HOSTNAME" >> runs')
               for _ in range(4)]
        host_a = self.pool(2, env=self.host_env('host-a', **self.FAST))
        host_b = self.pool(2, env=self.host_env('host-b', **self.FAST))
        firsts = self.wait_until(lambda: dict((i, self.lines('pid.%d.1' % i)) for i in ids)
                                 if all(len(self.lines('pid.%d.1' % i)) == 2 for i in ids)
                                 else None, what='four jobs running on two hosts')
        on_a = sorted(i for i in ids if firsts[i][0] == 'host-a')
        self.assertEqual(len(on_a), 2, firsts)        # two workers each: two jobs each
        # Host A dies whole: its pool, its workers and its jobs.
        os.killpg(host_a.pid, signal.SIGKILL)
        for i in on_a:
            os.killpg(int(firsts[i][1]), signal.SIGKILL)
        killed = time.time()
        for i in on_a:
            self.wait_until(lambda: not live_group_members(int(firsts[i][1])),
                            what='job %d of host A dead' % i)
        open(self.path('go.host-b'), 'w').close()
        for i in ids:
            self.wait_state(i, 'completed', timeout=20)
        rerun = min(os.path.getmtime(self.path('pid.%d.2' % i)) for i in on_a)
        note('a host killed -9 whole: the other host re-ran its jobs %.1fs later (lease 2s)'
             % (rerun - killed))
        for i in ids:
            history = [h['error'] for h in self.history(i)]
            if i in on_a:
                self.assertEqual(history, ['worker lost', None])
                self.assertEqual(self.lines('pid.%d.2' % i)[0], 'host-b')
            else:
                self.assertEqual(history, [None])
        # Each attempt ran once, and A's were dead before B started them again.
        with open(self.path('runs')) as handle:
            runs = [tuple(line.split()) for line in handle]
        for i in on_a:
            mine = [r for r in runs if r[1] == str(i)]
            self.assertEqual(mine, [('start', str(i), 'host-a'), ('start', str(i), 'host-b'),
                                    ('end', str(i), 'host-b')])
        self.assertEqual(len(runs), 10)
        code, log = self.stop_pool(host_b)
        self.assertEqual(code, 0, log)
        self.assertIn('its lease expired', log)

    def test_a_server_restart_mid_run_loses_nothing_and_runs_nothing_twice(self):
        self.ok('add', '--stdin', stdin='echo start >> runs.$QUEUECTL_JOB_ID; sleep 0.5; '
                'echo end >> runs.$QUEUECTL_JOB_ID\n' * 6)
        pool = self.pool(2, env={'QUEUECTL_POLL_INTERVAL': '0.5'})
        self.wait_until(lambda: len([n for n in os.listdir(self.home)
                                     if n.startswith('runs.')]) >= 2, what='jobs running')

        def while_down():
            err = self.fails(1, 'add', 'true')          # one clear line, exit 1
            self.assertEqual(len(err.splitlines()), 1, err)
            self.assertIn('cannot connect to PostgreSQL', err)
            time.sleep(0.6)                             # results arrive meanwhile
        self.server.restart(while_down)
        for job_id in range(1, 7):
            self.wait_state(job_id, 'completed', timeout=30)
            job = self.job(job_id)
            self.assertEqual([h['error'] for h in job['history']], [None], job)
            self.assertEqual(self.lines('runs.%d' % job_id), ['start', 'end'])
        code, log = self.stop_pool(pool)
        self.assertEqual(code, 0, log)
        self.assertIn('lost the connection to PostgreSQL', log)
        self.assertIn('the database takes writes again', log)
        self.assertNotIn(PG_PASSWORD, log)

    def test_cancel_on_another_host_kills_the_job_within_a_second(self):
        # A pool that listens, and a --burst one that does not (it checks every second).
        ids = [self.add('echo $$ > pid.$QUEUECTL_JOB_ID; sleep 30') for _ in range(2)]
        pool = self.pool(1, env=self.host_env('host-a'))
        pgid = self.wait_pid_file(self.path('pid.%d' % ids[0]))
        burst = self.spawn_drained('worker', 'start', '--burst', '--count', '1',
                                   env=self.host_env('host-b'))
        burst_pgid = self.wait_pid_file(self.path('pid.%d' % ids[1]))
        took = []
        for job_id, group in zip(ids, (pgid, burst_pgid)):
            asked = time.monotonic()
            self.assertEqual(self.ok('cancel', str(job_id)), 'Cancelled job %d\n' % job_id)
            self.wait_until(lambda: not live_group_members(group), timeout=10,
                            what='job %d killed' % job_id)
            took.append(time.monotonic() - asked)
            self.assertEqual(self.state(job_id), 'cancelled')
        note('cancel from another host: job killed after %.2fs (LISTEN), %.2fs (polling)'
             % tuple(took))
        self.assertLess(took[0], 1.5)
        self.assertLess(took[1], 3.0)
        self.assertEqual(burst.wait(timeout=15), 0, burst.err.join())
        code, log = self.stop_pool(pool)
        self.assertEqual(code, 0, log)

    def test_logs_follow_a_job_running_on_another_host(self):
        job_id = self.add('echo line1; while [ ! -e go ]; do sleep 0.05; done; '
                          'for i in 2 3; do echo line$i; sleep 0.1; done; echo oops >&2')
        pool = self.pool(1, env=self.host_env('host-a'))
        follower = self.spawn_drained('logs', str(job_id), '-f', env=self.host_env('host-b'))
        self.wait_until(lambda: 'line1' in follower.out.text(), timeout=10,
                        what='logs -f on host B printing line1 while the job runs on A')
        self.assertEqual(self.state(job_id), 'processing')
        open(self.path('go'), 'w').close()
        self.assertEqual(follower.wait(timeout=20), 0, follower.err.join())
        text = follower.out.join()
        self.assertIn('=== job %d attempt 1: started' % job_id, text)
        self.assertIn(' on host-a:', text)
        self.assertIn('line1\nline2\nline3\noops\n=== exit status 0 after', text)
        self.assertEqual(self.ok('logs', str(job_id), '--attempt', '1'),
                         'line1\nline2\nline3\noops\n')
        # Host A kept no copy: its log went to the database, then was removed.
        logs = [n for n in os.listdir(self.path('host-a')) if n.endswith('.logs')]
        self.assertEqual(len(logs), 1)
        [instance] = os.listdir(self.path('host-a', logs[0]))     # the database's name
        self.assertEqual(os.listdir(self.path('host-a', logs[0], instance)), [])
        code, log = self.stop_pool(pool)
        self.assertEqual(code, 0, log)

    def test_worker_list_shows_every_host_and_stop_all_hosts_stops_every_pool(self):
        pools = [self.pool(1, env=self.host_env(name)) for name in ('host-a', 'host-b')]
        listed = self.ok('worker', 'list')
        self.assertEqual(listed.count('host-a'), 2, listed)     # its pool and its worker
        self.assertEqual(listed.count('host-b'), 2, listed)
        self.assertEqual(self.ok('worker', 'stop'),
                         'No worker pools of this database running on this host.\n')
        self.assertEqual(self.ok('worker', 'stop', '--all-hosts'), 'Stopped 2 worker pools.\n')
        for pool in pools:
            self.assertEqual(pool.wait(timeout=10), 0, pool.err.join())
        self.assertEqual(self.ok('worker', 'list'), 'No live workers.\n')

    def test_a_hundred_concurrent_adds_from_ten_processes_while_a_pool_runs(self):
        # The cheap version of the slow tier's 1,000 adds from 50 processes.
        pool = self.pool(4)
        os.mkdir(self.path('marks'))
        adders = [subprocess.Popen(
            [sys.executable, '-c', ADDER_LOOP, compiled_script(), '10',
             'echo x >> %s/$QUEUECTL_JOB_ID' % self.path('marks')],
            env=self.env, cwd=self.home, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, start_new_session=True) for _ in range(10)]
        self.procs.extend(adders)
        ids = []
        for proc in adders:
            out, err = proc.communicate(timeout=60)
            self.assertEqual((proc.returncode, err), (0, b''))
            ids += [int(x) for x in out.split()]
        self.assertEqual(sorted(ids), list(range(1, 101)))
        self.wait_until(lambda: len(os.listdir(self.path('marks'))) == 100 and
                        self.db_rows("SELECT COUNT(*) FROM jobs WHERE state = 'completed'")
                        == [(100,)], timeout=60, what='all 100 jobs completed')
        for name in os.listdir(self.path('marks')):
            self.assertEqual(self.lines(os.path.join('marks', name)), ['x'])
        code, log = self.stop_pool(pool)
        self.assertEqual(code, 0, log)


class TestPostgresRaces(OnPostgres, QueuectlTestCase):
    """Transactions that meet in PostgreSQL (READ COMMITTED), made to interleave."""

    def spec(self, after):
        now = time.time()
        return {'key': None, 'command': 'true', 'queue': 'default', 'priority': 0,
                'max_retries': 3, 'run_at': now, 'timeout': None, 'cwd': self.home,
                'env': {}, 'after': after}

    def claimed(self, store, *commands):
        """Add jobs and claim them (as running parents); returns the claimed jobs."""
        ids = [self.add('--queue', 'parents', c) for c in commands]
        jobs = store.pool_round((), [('w%d' % i, 'h:%d' % i) for i in ids], 30, ('parents',))[1]
        self.assertEqual(sorted(j['id'] for j in jobs), ids)
        return jobs

    def held_open(self, store, write):
        """Apply write in a transaction that stays open until release() is
        called; returns (started event, release function, thread)."""
        started, go = threading.Event(), threading.Event()

        def work():
            started.set()
            go.wait(10)

        def tx():
            store._apply(write, store.now())
            work()
        thread = threading.Thread(target=store.transaction, args=(tx,))
        thread.start()
        started.wait(10)
        return go.set, thread

    def blocked(self, child):
        return self.db_rows('SELECT blocked FROM jobs WHERE id = ?', (child,))[0][0]

    def test_a_child_added_while_its_parent_completes_is_not_left_waiting(self):
        stores = [queuectl.Store(self.db_url) for _ in range(2)]
        self.addCleanup(lambda: [s.close() for s in stores])
        # The parent completes first (not committed yet), the add comes meanwhile.
        [parent] = self.claimed(stores[0], 'true')
        release, finisher = self.held_open(
            stores[0], queuectl.PoolWrite('finish', parent, state='completed'))
        added = []
        adder = threading.Thread(target=lambda: added.extend(
            stores[1].add_jobs([self.spec([parent['id']])], time.time())))
        adder.start()
        adder.join(0.3)
        self.assertTrue(adder.is_alive(), 'the add did not wait for the parent it reads')
        release()
        finisher.join(10)
        adder.join(10)
        self.assertEqual(self.blocked(added[0][0]), 0)
        # The add first (not committed yet), the parent completes meanwhile.
        [parent] = self.claimed(stores[0], 'true')
        go, done = threading.Event(), []

        def add_and_hold():
            done.extend(stores[1]._add_jobs([self.spec([parent['id']])], time.time()))
            go.wait(10)
        adder = threading.Thread(target=stores[1].transaction, args=(add_and_hold,))
        adder.start()
        self.wait_until(lambda: done, what='child inserted')
        finisher = threading.Thread(target=stores[0].pool_round, args=(
            [queuectl.PoolWrite('finish', parent, state='completed')], (), 30))
        finisher.start()
        finisher.join(0.3)
        self.assertTrue(finisher.is_alive(), 'the finish did not wait for the add')
        go.set()
        adder.join(10)
        finisher.join(10)
        self.assertEqual(self.blocked(done[0][0]), 0)
        self.assertEqual(self.ok('show', str(done[0][0]), '--json').count('"waiting_on"'), 0)

    def test_a_queue_limit_holds_while_two_pools_claim_at_once(self):
        self.ok('limit', 'apt', '1')
        apt = [self.add('--queue', 'apt', 'true') for _ in range(2)]
        other = self.add('--queue', 'other', 'true')
        stores = [queuectl.Store(self.db_url) for _ in range(2)]
        self.addCleanup(lambda: [s.close() for s in stores])
        first, go = [], threading.Event()

        def claim_and_hold():           # a pool's claim, not committed yet
            first.extend(stores[0].dialect.claim(stores[0], [('w1', 'h:1')], stores[0].now(),
                                                 30, None))
            go.wait(10)
        holder = threading.Thread(target=stores[0].transaction, args=(claim_and_hold,))
        holder.start()
        self.wait_until(lambda: first, what='the first pool claimed')
        self.assertEqual([j['id'] for j in first], apt[:1])
        second = []
        claimer = threading.Thread(target=lambda: second.extend(stores[1].pool_round(
            (), [('w2', 'h:2'), ('w3', 'h:3')], 30)[1]))
        claimer.start()
        claimer.join(0.3)
        self.assertTrue(claimer.is_alive(), 'the second pool counted before the first committed')
        go.set()
        holder.join(10)
        claimer.join(10)
        self.assertEqual([j['id'] for j in second], [other])     # apt is full
        self.assertEqual(self.job(apt[1])['state'], 'pending')

    def test_a_replace_waits_for_a_claim_being_made_then_refuses_the_running_job(self):
        self.add('--key', 'a', 'true')
        err = self.fails(2, 'add', '--key', 'a', '--after', 'a', '--replace', 'true')
        self.assertIn('cannot wait for itself or for a job that waits for it', err)
        stores = [queuectl.Store(self.db_url) for _ in range(2)]
        self.addCleanup(lambda: [s.close() for s in stores])
        claimed, go = [], threading.Event()

        def claim_and_hold():
            claimed.extend(stores[0].dialect.claim(stores[0], [('w1', 'h:1')],
                                                   stores[0].now(), 30, None))
            go.wait(10)
        holder = threading.Thread(target=stores[0].transaction, args=(claim_and_hold,))
        holder.start()
        self.wait_until(lambda: claimed, what='the job claimed')
        refused = []

        def replace():
            try:
                stores[1].add_jobs([dict(self.spec([]), key='a', command='false',
                                         replace=True)], time.time())
            except queuectl.QueueError as exc:
                refused.append(str(exc))
        replacer = threading.Thread(target=replace)
        replacer.start()
        replacer.join(0.3)
        self.assertTrue(replacer.is_alive(), 'the replace did not wait for the claim')
        go.set()
        holder.join(10)
        replacer.join(10)
        self.assertEqual(refused, ['job 1 (key a) is running; wait for it or cancel it, '
                                   'then add it again'])
        self.assertEqual(self.job('a')['command'], 'true')

    def test_two_parents_completing_together_release_their_child(self):
        stores = [queuectl.Store(self.db_url) for _ in range(2)]
        self.addCleanup(lambda: [s.close() for s in stores])
        parents = self.claimed(stores[0], 'true', 'true')
        child = self.add('--after', str(parents[0]['id']), '--after', str(parents[1]['id']),
                         'true')
        release, first = self.held_open(
            stores[0], queuectl.PoolWrite('finish', parents[0], state='completed'))
        second = threading.Thread(target=stores[1].pool_round, args=(
            [queuectl.PoolWrite('finish', parents[1], state='completed')], (), 30))
        second.start()
        second.join(0.3)
        self.assertTrue(second.is_alive(), 'the second parent did not wait to recount')
        release()
        first.join(10)
        second.join(10)
        self.assertEqual(self.blocked(child), 0)
        self.assertEqual(self.job(child)['state'], 'pending')


if postgres_missing() and not POSTGRES_REQUIRED:
    sys.stderr.write(POSTGRES_HOWTO % postgres_missing() + '\n')
    del TestPostgres, TestPostgresPools, TestPostgresRaces
else:
    TestAddOnPostgres = on_postgres(TestAdd, (
        'test_files_are_private_and_umask_is_untouched', 'test_add_is_durable_across_processes',
        'test_fast_add_path_agrees_with_argparse'))
    TestReadingOnPostgres = on_postgres(TestReading, (
        'test_version_and_help', 'test_usage_errors_exit_2_without_traceback'))
    TestDependenciesOnPostgres = on_postgres(TestDependencies)
    TestSchedulesOnPostgres = on_postgres(TestSchedules)
    TestQueuesOnPostgres = on_postgres(TestQueues)
    TestKeysOnPostgres = on_postgres(TestKeys)
    TestCancelOnPostgres = on_postgres(TestCancel)
    TestWaitOnPostgres = on_postgres(TestWait)
    TestPruneOnPostgres = on_postgres(TestPrune)
    TestBatchFlowOnPostgres = on_postgres(TestBatchFlow)
    TestLogsOnPostgres = on_postgres(TestLogs, ('test_logs_follow_of_a_finished_job_ends_at_once',))
    TestWorkersOnPostgres = on_postgres(TestWorkers, only=(
        'test_three_hundred_jobs_on_four_workers_each_run_exactly_once',
        'test_output_is_captured_and_capped_per_attempt',
        'test_binary_output_is_kept_byte_for_byte'))
    TestLoadOnPostgres = on_postgres(TestLoad, only=(          # the slow tier
        'test_concurrent_adds_readers_and_workers',))
    TestWorkerDeathOnPostgres = on_postgres(TestWorkerDeath, only=(
        'test_kill_9_worker_mid_job_is_recovered_at_once_and_rerun',
        'test_a_stalled_host_loses_its_lease_and_its_stale_result_is_fenced_off'))
    TestRerunnableOnPostgres = on_postgres(TestRerunnable, (
        'test_replace_refuses_a_running_job_and_a_cycle',       # TestPostgresRaces has its own
        'test_a_new_database_never_shows_a_deleted_ones_logs',
        'test_a_version_1_database_migrates_and_keeps_its_logs_where_they_are'))
    TestQueueLimitsOnPostgres = on_postgres(TestQueueLimits, (
        'test_claim_room_says_how_many_more_each_queue_may_start',))
    TestMetricsOnPostgres = on_postgres(TestMetrics, (
        'test_a_lost_worker_is_counted_and_an_upgrade_keeps_the_old_jobs_counted',))
    TestTopOnPostgres = on_postgres(TestTop, only=(
        'test_top_once_shows_queues_the_running_job_and_recent_results',
        'test_top_keys_retry_a_dlq_job_cancel_after_confirmation_and_pause_its_queue'))
    TestFollowManyOnPostgres = on_postgres(TestFollowMany)
    TestShutdownOnPostgres = on_postgres(TestShutdown, only=(
        'test_an_interrupted_run_keeps_its_number_and_its_output',))
    TestNotificationsOnPostgres = on_postgres(TestNotifications, only=(
        'test_on_finish_runs_for_dead_jobs_with_the_job_in_its_environment',))


def load_tests(loader, tests, pattern):
    tests.addTests(doctest.DocTestSuite(queuectl))
    return tests


if __name__ == '__main__':
    unittest.main()
