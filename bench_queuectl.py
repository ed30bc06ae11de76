#!/usr/bin/env python3
"""Benchmark queuectl against floors it measures itself, and against peers.

Each measurement runs in its own temporary QUEUECTL_HOME and is repeated; the table
shows medians, the ratio to the floor measured in the same run, and the target.
  add      one `add`, process start to committed row; floor: a minimal Python script
           that inserts one row durably (WAL, synchronous=FULL), same interpreter
  thruput  2,000 `true` jobs, `worker start --count 2 --burst`; floor: xargs -P2;
           also a bare Python claim loop (one SQLite transaction and one posix_spawn
           of sh per job, nothing else), to show what any Python worker pays here
  pickup   idle pool of 2: new job start after `add` returns; the idle pool's CPU
  batch    `add --stdin` of 100,000 lines; floor: plain inserts in one transaction
  scale    1,000,000 jobs a day ahead: `status` time, 2-worker throughput
  memory   resident memory of an idle pool of 4 workers
  top      at 1,000,000 jobs: CPU of one `status` (what `watch status` pays each second)
           against one refresh of a running `top` (on a pseudo-terminal), once a second
task-spooler (tsp) and nq rows are added when they are installed.

The PostgreSQL column: the same measurements of queuectl against a throwaway
PostgreSQL server (initdb into a temporary folder, a unix socket there only,
settings as shipped: fsync on), when this interpreter can import psycopg (or
psycopg2) and PostgreSQL's server tools are installed; its own targets; and the
sessions a pool holds. `make bench-postgres` runs it with the driver in .venv.

Usage: python3 bench_queuectl.py [--quick] [--json PATH] [--only SECTION...] [--check]
                                 [--no-postgres]
Python 3.6+, standard library only (the PostgreSQL column: psycopg for queuectl).
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
QUEUECTL = os.path.join(HERE, 'queuectl.py')
PY = sys.executable
DEVNULL = subprocess.DEVNULL
SECTIONS = ('add', 'thruput', 'pickup', 'batch', 'scale', 'memory', 'top', 'sessions')

FLOOR_TABLE = ("CREATE TABLE jobs (id INTEGER PRIMARY KEY AUTOINCREMENT, command TEXT NOT NULL,"
               " state TEXT NOT NULL DEFAULT 'pending', queue TEXT NOT NULL DEFAULT 'default',"
               " priority INTEGER NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0,"
               " max_retries INTEGER NOT NULL DEFAULT 3, run_at REAL NOT NULL,"
               " cwd TEXT NOT NULL DEFAULT '/', created_at REAL NOT NULL, updated_at REAL)")
FLOOR_ADD_SCRIPT = r'''
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA journal_mode=WAL")
conn.execute("PRAGMA synchronous=FULL")
conn.execute("BEGIN IMMEDIATE")
cur = conn.execute("INSERT INTO jobs(command, run_at, created_at) VALUES (?, ?, ?)",
                   (sys.argv[2], time.time(), time.time()))
conn.execute("COMMIT")
print(cur.lastrowid)
'''
# The least a Python worker pool can do per job: claim in one transaction, spawn
# sh with its output on a pipe, read to EOF, reap. No history, leases, logs,
# timeouts or signals. argv: database, workers.
FLOOR_LOOP_SCRIPT = r'''
import os, sqlite3, subprocess, sys, time
def spawn(command, out):
    argv = ['/bin/sh', '-c', command]
    if hasattr(os, 'posix_spawn'):
        return os.posix_spawn(argv[0], argv, os.environ, file_actions=[
            (os.POSIX_SPAWN_DUP2, out, 1), (os.POSIX_SPAWN_DUP2, out, 2)])
    return subprocess.Popen(argv, stdout=out, stderr=out).pid
def begin(conn):
    delay = 0.0002                        # as queuectl: no SQLite busy handler
    while True:
        try:
            return conn.execute('BEGIN IMMEDIATE')
        except sqlite3.OperationalError:
            time.sleep(delay)
            delay = min(delay * 2, 0.02)
def work(db):
    conn = sqlite3.connect(db, isolation_level=None, timeout=0)
    conn.execute('PRAGMA synchronous=NORMAL')
    done = None
    while True:
        begin(conn)
        if done is not None:
            conn.execute("UPDATE jobs SET state = 'completed' WHERE id = ?", (done,))
        row = conn.execute("SELECT id, command FROM jobs WHERE state = 'pending' "
                           "ORDER BY id LIMIT 1").fetchone()
        if row:
            conn.execute("UPDATE jobs SET state = 'processing' WHERE id = ?", (row[0],))
        conn.execute('COMMIT')
        if row is None:
            return
        done = row[0]
        r, w = os.pipe()
        pid = spawn(row[1], w)
        os.close(w)
        while os.read(r, 65536):
            pass
        os.close(r)
        os.waitpid(pid, 0)
pids = []
for _ in range(int(sys.argv[2])):
    pid = os.fork()
    if pid == 0:
        work(sys.argv[1])
        os._exit(0)
    pids.append(pid)
for pid in pids:
    os.waitpid(pid, 0)
'''


def floor_loop_db(path, jobs):
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute('PRAGMA journal_mode=WAL')
    conn.execute(FLOOR_TABLE)
    conn.execute('CREATE INDEX jobs_state ON jobs(state, id)')
    conn.execute('BEGIN')
    conn.executemany('INSERT INTO jobs(command, run_at, created_at) VALUES (?, 0, 0)',
                     [('true #%d' % i,) for i in range(jobs)])
    conn.execute('COMMIT')
    conn.close()


class BenchError(Exception):
    pass


def median(values):
    values, mid = sorted(values), len(values) // 2
    if not values:
        return None
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2.0


def percentile(values, pct):
    values, rank = sorted(values), (len(values) - 1) * pct / 100.0
    low, high = int(rank), min(int(rank) + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (rank - low)


def have(peer, cfg):
    return cfg.peers and shutil.which(peer) is not None


def qc(*args):
    return [PY, QUEUECTL] + list(args)


def true_lines(n, command='true'):
    return ''.join('%s #%d\n' % (command, i) for i in range(n)).encode()


class Home(object):
    """A private temporary QUEUECTL_HOME, also holding tsp's socket and nq's NQDIR;
    with pg (a PgServer), a database of its own there."""

    def __init__(self, tag, pg=None):
        self.path = tempfile.mkdtemp(prefix='queuectl-bench-%s-' % tag)
        os.chmod(self.path, 0o700)
        self.env = dict((k, v) for k, v in os.environ.items()
                        if not k.startswith(('QUEUECTL_', 'TS_')) and k != 'NQDIR')
        self.env.update(QUEUECTL_HOME=self.path, TMPDIR=self.path,
                        TS_SOCKET=self.file('tsp.sock'), NQDIR=self.file('nq'))
        self.pg, self.database = pg, None
        if pg:
            self.database = pg.create_database()
            self.env['QUEUECTL_DB_PATH'] = pg.url(self.database)

    def file(self, name):
        return os.path.join(self.path, name)

    def run(self, args, stdin=None):
        """Run queuectl, untimed; returns its stdout."""
        proc = subprocess.Popen(qc(*args), env=self.env, cwd=self.path,
                                stdin=subprocess.PIPE if stdin is not None else DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = proc.communicate(stdin)
        if proc.returncode != 0:
            raise BenchError('queuectl %s: exit %d: %s' % (' '.join(args)[:50], proc.returncode,
                                                           err.decode('utf-8', 'replace').strip()))
        return out.decode('utf-8', 'replace')

    def status(self):
        return json.loads(self.run(['status', '--json']))

    def close(self):
        if shutil.which('tsp') and os.path.exists(self.env['TS_SOCKET']):
            subprocess.call(['tsp', '-K'], env=self.env, stdout=DEVNULL, stderr=DEVNULL)
        if shutil.which('nq') and os.path.isdir(self.env['NQDIR']):
            subprocess.call(['nq', '-w'], env=self.env, stdout=DEVNULL, stderr=DEVNULL)
        if self.database:
            self.pg.drop_database(self.database)
        shutil.rmtree(self.path, ignore_errors=True)


def timed(argv, env, cwd=None, stdin=None):
    """Wall time of one process from start to exit. Output goes to /dev/null (or a file),
    never a pipe: tsp and nq leave background children holding their stdout."""
    return timed_cpu(argv, env, cwd, stdin)[0]


def timed_cpu(argv, env, cwd=None, stdin=None):
    """(wall, CPU) seconds of one process: CPU is user + system time of it and of
    every descendant it waited for (a pool's workers and their jobs; xargs' shells)."""
    import resource
    with tempfile.TemporaryFile() as stdin_file:
        stdin_file.write(stdin or b'')
        stdin_file.seek(0)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        code = subprocess.call(argv, env=env, cwd=cwd, stdin=stdin_file if stdin else DEVNULL,
                               stdout=DEVNULL, stderr=DEVNULL)
        elapsed = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if code != 0:
        raise BenchError('%s exited %d' % (' '.join(argv)[:80], code))
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def proc_stat(pid):
    with open('/proc/%d/stat' % pid) as handle:
        return handle.read().rsplit(')', 1)[1].split()      # fields from 3 (state) on


def proc_children(pid):
    kids = []
    for name in os.listdir('/proc'):
        try:
            if name.isdigit() and int(proc_stat(int(name))[1]) == pid:
                kids.append(int(name))
        except (OSError, IndexError):
            pass
    return kids


def cpu_seconds(pid):
    """utime + stime of one process in seconds (0 once it is gone)."""
    try:
        fields = proc_stat(pid)
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / float(os.sysconf('SC_CLK_TCK'))


def memory_mb(pid, path='status', field='VmRSS:'):
    """VmRSS from /proc/PID/status, or with ('smaps_rollup', 'Pss:') the proportional share."""
    try:
        with open('/proc/%d/%s' % (pid, path)) as handle:
            for line in handle:
                if line.startswith(field):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None


class Pool(object):
    """A foreground `worker start --count N`; always stopped: SIGTERM, then SIGKILL."""

    def __init__(self, home, count, argv=None, env=None):
        self.home, self.count = home, count
        self.log = open(home.file('pool.log'), 'ab')
        self.proc = subprocess.Popen((argv or qc)('worker', 'start', '--count', str(count)),
                                     env=env or home.env, cwd=home.path, stdin=DEVNULL,
                                     stdout=self.log, stderr=self.log, start_new_session=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()

    def wait_ready(self, timeout=30.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError('worker pool exited with %s' % self.proc.returncode)
            if self.home.status().get('workers', 0) >= self.count and \
                    len(self.pids()) > self.count:
                return
            time.sleep(0.1)
        raise BenchError('the pool did not register %d workers in %ds' % (self.count, timeout))

    def pids(self):
        return [self.proc.pid] + proc_children(self.proc.pid)


def row(section, name, unit, samples, floor=None, target=None, better='lower', note=None,
        value=None):
    """One result: the median of samples (or value), its ratio to floor, and a target:
    ('ratio', limit) on the ratio or ('value', limit) on the value itself."""
    value = median(samples) if value is None else value
    return {'section': section, 'name': name, 'unit': unit, 'median': value,
            'samples': [round(s, 6) for s in samples], 'floor': floor,
            'ratio': value / floor if floor else None, 'target': target,
            'better': better, 'note': note, 'result': None}


def judge(r):
    if not r['target']:
        return None
    kind, limit = r['target']
    value = r['ratio'] if kind == 'ratio' else r['median']
    if value is None:
        return None
    ok = value <= limit if r['better'] == 'lower' else value >= limit
    return 'PASS' if ok else 'FAIL'


def compiled_copy(home):
    """A folder holding queuectl.py with its bytecode, as pip/pipx installs it."""
    import py_compile
    folder = home.file('site')
    os.mkdir(folder)
    target = os.path.join(folder, 'queuectl.py')
    shutil.copy(os.path.join(HERE, 'queuectl.py'), target)
    py_compile.compile(target, doraise=True)
    return folder


def bench_add(cfg):
    res = dict((k, []) for k in ('queuectl', 'module', 'floor', 'python', 'tsp', 'nq'))
    for _ in range(cfg.add_runs):
        home = Home('add')
        try:
            home.run(['add', '-q', 'true'])                     # the schema exists before timing
            floor_db = home.file('floor.db')
            conn = sqlite3.connect(floor_db)
            conn.execute(FLOOR_TABLE)
            conn.close()
            argv = {'queuectl': qc('add', '-q', 'true'),
                    'floor': [PY, '-c', FLOOR_ADD_SCRIPT, floor_db, 'true'],
                    'python': [PY, '-c', 'pass']}
            envs = dict((k, home.env) for k in res)
            # The installed `queuectl` command (or `python3 -m queuectl`) imports the
            # module from compiled bytecode; `python3 queuectl.py` compiles the whole
            # file on every run (CPython never caches __main__). Scripts that call
            # add in a loop use the former; the target applies to it.
            argv['module'] = [PY, '-m', 'queuectl', 'add', '-q', 'true']
            envs['module'] = dict(home.env, PYTHONPATH=compiled_copy(home))
            if have('tsp', cfg):
                argv['tsp'] = ['tsp', '-n', 'true']
            if have('nq', cfg):
                argv['nq'] = ['nq', '-q', 'true']
            for key in argv:                                    # warm-up: caches, tsp server
                timed(argv[key], envs[key], home.path)
            run = dict((k, []) for k in argv)
            for _ in range(cfg.add_calls):                      # interleaved: same conditions
                for key in argv:
                    run[key].append(timed(argv[key], envs[key], home.path) * 1000)
            for key, values in run.items():
                res[key].append(median(values))
        finally:
            home.close()
    floor = median(res['floor'])
    rows = [row('add', 'queuectl add, installed (start to committed row)', 'ms',
                res['module'], floor, ('ratio', 1.25)),
            row('add', 'python3 queuectl.py add (compiles the file)', 'ms', res['queuectl'],
                floor)]
    rows.append(row('add', 'floor: python WAL insert, synchronous=FULL', 'ms', res['floor']))
    rows.append(row('add', 'interpreter start-up: python -c pass', 'ms', res['python'], floor))
    rows.extend(row('add', 'peer: %s enqueue' % p, 'ms', res[p], floor)
                for p in ('tsp', 'nq') if res[p])
    return rows


def queuectl_throughput(home, jobs, workers=2, installed=None, command='true'):
    """Add `jobs` jobs (timed apart), then time the burst run; checks all completed.
    installed: a compiled_copy() folder, to run the pool as `python3 -m queuectl`.
    Returns (add seconds, run seconds, run CPU seconds)."""
    before = home.status()['jobs'].get('completed', 0)
    add_time = timed(qc('add', '--stdin'), home.env, home.path,
                     stdin=true_lines(jobs, command))
    pool, env = qc('worker', 'start', '--count', str(workers), '--burst'), home.env
    if installed:
        pool, env = [PY, '-m', 'queuectl'] + pool[2:], dict(env, PYTHONPATH=installed)
    run_time, cpu = timed_cpu(pool, env, home.path)
    done = home.status()['jobs'].get('completed', 0) - before
    if done != jobs:
        raise BenchError('the burst run completed %d of %d jobs' % (done, jobs))
    return add_time, run_time, cpu


def peer_throughput(home, peer, jobs, workers=2):
    """tsp/nq: enqueue + run, timed together. tsp holds at most ~1000 queued jobs, so the
    queue cannot be filled first; nq runs one job at a time per NQDIR, so it gets one
    NQDIR per worker."""
    start = time.perf_counter()
    if peer == 'tsp':
        subprocess.check_call(['tsp', '-S', str(workers)], env=home.env, stdout=DEVNULL)
        ids = []
        for _ in range(jobs):
            with tempfile.TemporaryFile() as out:
                subprocess.check_call(['tsp', '-n', 'true'], env=home.env, stdout=out)
                out.seek(0)
                ids.append(out.read().decode().strip())
        for job_id in ids[-workers:]:
            subprocess.call(['tsp', '-w', job_id], env=home.env, stdout=DEVNULL, stderr=DEVNULL)
    else:
        envs = [dict(home.env, NQDIR=home.file('nq%d' % i)) for i in range(workers)]
        for i in range(jobs):
            subprocess.check_call(['nq', '-q', 'true'], env=envs[i % workers], stdout=DEVNULL)
        for env in envs:
            subprocess.check_call(['nq', '-w'], env=env, stdout=DEVNULL, stderr=DEVNULL)
    return time.perf_counter() - start


def bench_throughput(cfg):
    res = dict((k, []) for k in ('run', 'script', 'total', 'xargs', 'loop', 'tsp', 'nq',
                                 'cpu', 'xargs_cpu', 'wide', 'wide_xargs'))
    for _ in range(cfg.tp_runs):
        home = Home('thruput')
        try:
            installed = compiled_copy(home)
            add_time, run_time, cpu = queuectl_throughput(home, cfg.jobs, installed=installed)
            res['run'].append(run_time)
            res['total'].append(add_time + run_time)
            res['cpu'].append(cpu * 1000 / cfg.jobs)
            res['script'].append(queuectl_throughput(home, cfg.jobs)[1])
            wall, cpu = timed_cpu(['sh', '-c', 'seq %d | xargs -P2 -I{} sh -c true' % cfg.jobs],
                                  home.env, home.path)
            res['xargs'].append(wall)
            res['xargs_cpu'].append(cpu * 1000 / cfg.jobs)
            res['wide'].append(queuectl_throughput(home, cfg.wide_jobs, 32, installed,
                                                   'sleep 0.05')[1])
            res['wide_xargs'].append(timed(['sh', '-c', 'seq %d | xargs -P32 -I{} sh -c '
                                            '"sleep 0.05"' % cfg.wide_jobs], home.env,
                                           home.path))
            floor_loop_db(home.file('loop.db'), cfg.jobs)
            res['loop'].append(timed([PY, '-c', FLOOR_LOOP_SCRIPT, home.file('loop.db'), '2'],
                                     home.env, home.path))
            for peer in ('tsp', 'nq'):
                if have(peer, cfg):
                    res[peer].append(peer_throughput(home, peer, cfg.jobs))
        finally:
            home.close()
    floor = median(res['xargs'])
    cfg.empty_run = median(res['script'])         # the scale section runs the script too
    rows = [row('thruput', 'queuectl %d jobs, 2 workers, installed (burst run)' % cfg.jobs,
                's', res['run'], floor, ('ratio', 1.25)),
            row('thruput', 'python3 queuectl.py worker start (compiles the file)', 's',
                res['script'], floor),
            row('thruput', 'queuectl add --stdin + burst run', 's', res['total'], floor),
            row('thruput', 'floor: seq | xargs -P2 sh -c true', 's', res['xargs']),
            row('thruput', 'CPU per job, all processes (pool, workers, jobs)', 'ms',
                res['cpu'], median(res['xargs_cpu']), ('ratio', 1.15)),
            row('thruput', 'floor: CPU per job of xargs -P2 and its shells', 'ms',
                res['xargs_cpu']),
            row('thruput', 'queuectl %d sleep 0.05 jobs, 32 workers, installed' % cfg.wide_jobs,
                's', res['wide'], median(res['wide_xargs']), ('ratio', 1.25)),
            row('thruput', 'floor: seq | xargs -P32 sh -c "sleep 0.05"', 's', res['wide_xargs']),
            row('thruput', 'bare Python claim loop (no queuectl features)', 's', res['loop'],
                floor)]
    rows.extend(row('thruput', 'peer: %s enqueue + run' % p, 's', res[p], floor)
                for p in ('tsp', 'nq') if res[p])
    return rows


def pickup_latencies(home, tag, reps, enqueue):
    """enqueue(cmd) adds a job writing its start time. Returns the ms from the enqueuing
    process's exit to the job's start, and from its start to the job's start."""
    after, total = [], []
    for i in range(reps):
        path = home.file('picked-%s-%d' % (tag, i))
        before = time.time()
        enqueue('date +%%s.%%N > %s' % path)
        returned = time.time()
        deadline = time.monotonic() + 10
        while True:
            try:
                with open(path) as handle:
                    started = float(handle.read())
                break
            except (OSError, ValueError):
                if time.monotonic() > deadline:
                    raise BenchError('job %s did not start within 10s' % path)
                time.sleep(0.0005)
        after.append((started - returned) * 1000)
        total.append((started - before) * 1000)
        time.sleep(0.3 + 0.05 * (i % 4))                      # let the pool go idle again
    return after, total


def idle_and_pickup(home, cfg):
    """An idle pool of 2: its CPU share over cfg.idle_seconds, then the pickup
    latencies of jobs added one at a time: (cpu, after add returns, add start)."""
    with Pool(home, 2) as pool:
        pool.wait_ready()
        time.sleep(1.0)
        pids = pool.pids()
        cpu0, wall0 = sum(cpu_seconds(p) for p in pids), time.monotonic()
        time.sleep(cfg.idle_seconds)
        cpu = (sum(cpu_seconds(p) for p in pids) - cpu0) / (time.monotonic() - wall0)
        after, total = pickup_latencies(home, 'queuectl', cfg.pickup_reps, lambda c: (
            subprocess.check_call(qc('add', '-q', c), env=home.env, cwd=home.path,
                                  stdout=DEVNULL)))
    return cpu, after, total


def bench_pickup(cfg):
    home = Home('pickup')
    rows = []
    try:
        cpu, after, total = idle_and_pickup(home, cfg)
        rows += [row('pickup', 'queuectl pickup median (after add returns)', 'ms', after, None,
                     ('value', 10.0), note='negative: the job started before add exited'),
                 row('pickup', 'queuectl pickup p90 (after add returns)', 'ms', after, None,
                     ('value', 25.0), value=percentile(after, 90)),
                 row('pickup', 'queuectl add start to job start', 'ms', total),
                 row('pickup', 'queuectl idle pool CPU (2 workers, %gs)' % cfg.idle_seconds,
                     '% core', [cpu * 100], None, ('value', 2.0),
                     note='resolution %.2f%%' % (100.0 / os.sysconf('SC_CLK_TCK')
                                                 / cfg.idle_seconds))]
        commands = {'tsp': ['tsp', '-n', 'sh', '-c'], 'nq': ['nq', '-q', 'sh', '-c']}
        for peer in ('tsp', 'nq'):
            if not have(peer, cfg):
                continue
            if peer == 'tsp':
                subprocess.check_call(['tsp', '-S', '2'], env=home.env, stdout=DEVNULL)
            after, total = pickup_latencies(home, peer, cfg.pickup_reps, lambda c: (
                subprocess.check_call(commands[peer] + [c], env=home.env, stdout=DEVNULL)))
            rows.append(row('pickup', 'peer: %s pickup median (after it returns)' % peer,
                            'ms', after))
    finally:
        home.close()
    return rows


def insert_floor_rate(path, n):
    """Plain inserts from Python, one transaction, into a table like queuectl's jobs."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute('PRAGMA journal_mode=WAL')
    conn.execute('PRAGMA synchronous=FULL')
    conn.execute(FLOOR_TABLE)
    commands = ['true #%d' % i for i in range(n)]
    start, now = time.perf_counter(), time.time()
    conn.execute('BEGIN IMMEDIATE')
    for command in commands:
        conn.execute('INSERT INTO jobs(command, max_retries, run_at, cwd, created_at, '
                     'updated_at) VALUES (?, ?, ?, ?, ?, ?)', (command, 3, now, '/', now, now))
    conn.execute('COMMIT')
    elapsed = time.perf_counter() - start
    conn.close()
    return n / elapsed


def bench_batch(cfg):
    n, data = cfg.batch_jobs, true_lines(cfg.batch_jobs)
    rates, floors = [], []
    for _ in range(cfg.batch_runs):
        home = Home('batch')
        try:
            home.run(['add', '-q', 'true'])
            rates.append(n / timed(qc('add', '--stdin'), home.env, home.path, stdin=data))
            floors.append(insert_floor_rate(home.file('floor.db'), n))
        finally:
            home.close()
    return [row('batch', 'queuectl add --stdin %d lines' % n, 'jobs/s', rates, median(floors),
                ('value', 100000.0), better='higher', note='whole process, start-up included'),
            row('batch', 'floor: python plain inserts, 1 transaction', 'jobs/s', floors)]


def bench_scale(cfg):
    n = cfg.scale_jobs
    if getattr(cfg, 'empty_run', None) is None:                 # thruput section not run
        home = Home('scale-empty')
        try:
            cfg.empty_run = median([queuectl_throughput(home, cfg.jobs)[1]
                                    for _ in range(cfg.tp_runs)])
        finally:
            home.close()
    home = Home('scale')
    try:
        home.run(['add', '-q', 'true'])
        build = timed(qc('add', '--stdin', '--delay', '1d'), home.env, home.path,
                      stdin=true_lines(n, 'echo later'))
        home.run(['worker', 'start', '--count', '2', '--burst'])   # runs the one 'true' job
        status = [timed(qc('status'), home.env, home.path) for _ in range(cfg.status_runs)]
        runs = [queuectl_throughput(home, cfg.jobs)[1] for _ in range(cfg.tp_runs)]
    finally:
        home.close()
    return [row('scale', 'setup: add --stdin --delay 1d, %d lines' % n, 'jobs/s', [n / build]),
            row('scale', 'status with %d jobs' % n, 's', status, None, ('value', 0.5)),
            row('scale', 'queuectl %d jobs, 2 workers, %d in db' % (cfg.jobs, n), 's', runs,
                cfg.empty_run, ('ratio', 1.5), note='floor: the empty-database burst run')]


def pool_memory(home, argv=None, env=None):
    """RSS and PSS (MB) of an idle pool of 4: supervisor first, then its workers."""
    with Pool(home, 4, argv, env) as pool:
        pool.wait_ready()
        time.sleep(1.0)
        pids = pool.pids()
        return ([memory_mb(p) for p in pids],
                [memory_mb(p, 'smaps_rollup', 'Pss:') for p in pids])


def bench_memory(cfg):
    """The target applies to the installed command; `python3 queuectl.py` keeps
    the compiled source of a 3,800-line file in the supervisor (about 3 MB more)."""
    home = Home('memory')
    try:
        env = dict(home.env, PYTHONPATH=compiled_copy(home))
        installed = pool_memory(home, lambda *a: [PY, '-m', 'queuectl'] + list(a), env)
        script = pool_memory(home)
    finally:
        home.close()
    rows = []
    for name, (rss, pss), target in (('installed', installed, ('value', 25.0)),
                                     ('python3 queuectl.py', script, None)):
        note = 'RSS supervisor %.1f MB, workers %s MB' % (
            rss[0], ', '.join('%.1f' % x for x in rss[1:]))
        if None not in pss:                 # forked workers share pages: PSS counts them once
            note += '; PSS total %.1f MB' % sum(pss)
        rows.append(row('memory', 'idle pool of 4, %s: max RSS per process' % name, 'MB',
                        rss, None, target, value=max(rss), note=note))
    return rows


########################################################################
# The PostgreSQL column
########################################################################

class PgServer(object):
    """A throwaway PostgreSQL server, started as the tests start one: initdb into a
    temporary folder, listening on a unix socket there only, its tools run as the
    postgres user under root (initdb refuses root). Settings as shipped (fsync on):
    a pool's commits do not wait for the disk anyway (queuectl asks for
    synchronous_commit off in a pool's session), an add's do."""

    def __init__(self):
        self.bin = self.server_bin()
        self.dir = tempfile.mkdtemp(prefix='queuectl-bench-pg-')
        self.as_user = []
        if os.geteuid() == 0:
            import pwd
            user = pwd.getpwnam('postgres')
            os.chown(self.dir, user.pw_uid, user.pw_gid)
            self.as_user = ['runuser', '-u', 'postgres', '--']
        self.data = os.path.join(self.dir, 'data')
        self.count = 0
        self.tool('initdb', '-D', self.data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8',
                  '--locale', 'C')
        self.tool('pg_ctl', '-D', self.data, '-l', os.path.join(self.dir, 'log'), '-w', '-o',
                  "-c listen_addresses='' -k %s -c max_connections=200" % self.dir, 'start')

    @staticmethod
    def server_bin():
        """The folder with initdb: on PATH, else Debian's versioned one (newest)."""
        import glob
        import re
        found = shutil.which('initdb')
        if found:
            return os.path.dirname(os.path.realpath(found))
        folders = sorted(glob.glob('/usr/lib/postgresql/*/bin/initdb'),
                         key=lambda path: [int(p) for p in re.findall(r'\d+', path)])
        return os.path.dirname(folders[-1]) if folders else None

    @classmethod
    def missing(cls):
        """Why the PostgreSQL column cannot be measured here, or None."""
        probe = 'try:\n import psycopg\nexcept ImportError:\n import psycopg2'
        if subprocess.call([PY, '-c', probe], stdout=DEVNULL, stderr=DEVNULL):
            return '%s cannot import psycopg or psycopg2 (make bench-postgres)' % PY
        if not cls.server_bin():
            return 'initdb not found (PostgreSQL server tools)'
        return None

    def tool(self, name, *args):
        proc = subprocess.run(self.as_user + [os.path.join(self.bin, name)] + list(args),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if proc.returncode:
            raise BenchError('%s failed: %s' % (name, proc.stdout.decode().strip()[-300:]))
        return proc.stdout.decode()

    def url(self, name):
        return 'postgresql://postgres@/%s?host=%s' % (name, self.dir)

    def psql(self, name, sql):
        return subprocess.check_output([os.path.join(self.bin, 'psql'), '-X', '-At', '-h',
                                        self.dir, '-U', 'postgres', '-d', name, '-c', sql],
                                       stderr=subprocess.STDOUT).decode().strip()

    def create_database(self):
        self.count += 1
        name = 'bench_%d' % self.count
        self.psql('postgres', 'CREATE DATABASE %s' % name)
        return name

    def drop_database(self, name):
        self.psql('postgres', 'DROP DATABASE IF EXISTS %s WITH (FORCE)' % name)

    def sessions(self, name):
        """Sessions open on a database, the one asking not counted."""
        return int(self.psql(name, 'SELECT COUNT(*) FROM pg_stat_activity WHERE datname = '
                                   'current_database() AND pid <> pg_backend_pid()'))

    def stop(self):
        self.tool('pg_ctl', '-D', self.data, '-m', 'fast', '-w', 'stop')
        shutil.rmtree(self.dir, ignore_errors=True)


def pg_add(cfg, pg):
    home = Home('pg-add', pg)
    try:
        home.run(['add', '-q', 'true'])
        env = dict(home.env, PYTHONPATH=compiled_copy(home))
        argv = [PY, '-m', 'queuectl', 'add', '-q', 'true']
        timed(argv, env, home.path)
        samples = [timed(argv, env, home.path) * 1000 for _ in range(cfg.add_calls * 2)]
    finally:
        home.close()
    return {ADD_ROW: row('add', ADD_ROW, 'ms', samples)}


def pg_throughput(cfg, pg):
    """Each PostgreSQL run right after its xargs floor: the ratio is to that one."""
    res = dict((k, []) for k in ('run', 'xargs', 'cpu', 'wide', 'wide_xargs', 'empty'))
    for _ in range(cfg.tp_runs):
        home = Home('pg-thruput', pg)
        try:
            installed = compiled_copy(home)
            res['xargs'].append(timed(['sh', '-c', 'seq %d | xargs -P2 -I{} sh -c true'
                                       % cfg.jobs], home.env, home.path))
            _, run_time, cpu = queuectl_throughput(home, cfg.jobs, installed=installed)
            res['run'].append(run_time)
            res['cpu'].append(cpu * 1000 / cfg.jobs)
            res['empty'].append(queuectl_throughput(home, cfg.jobs)[1])
            res['wide_xargs'].append(timed(['sh', '-c', 'seq %d | xargs -P32 -I{} sh -c '
                                            '"sleep 0.05"' % cfg.wide_jobs], home.env,
                                           home.path))
            res['wide'].append(queuectl_throughput(home, cfg.wide_jobs, 32, installed,
                                                   'sleep 0.05')[1])
        finally:
            home.close()
    cfg.pg_empty_run = median(res['empty'])
    return {THRUPUT_ROW % cfg.jobs: row('thruput', '', 's', res['run'], median(res['xargs']),
                                        ('ratio', 1.5)),
            CPU_ROW: row('thruput', '', 'ms', res['cpu'],
                         note='PostgreSQL: without the server\'s own CPU'),
            WIDE_ROW % cfg.wide_jobs: row('thruput', '', 's', res['wide'],
                                          median(res['wide_xargs']), ('ratio', 1.5))}


def pg_pickup(cfg, pg):
    home = Home('pg-pickup', pg)
    try:
        cpu, after, total = idle_and_pickup(home, cfg)
    finally:
        home.close()
    return {PICKUP_ROW: row('pickup', '', 'ms', after, None, ('value', 10.0)),
            PICKUP_P90_ROW: row('pickup', '', 'ms', after, value=percentile(after, 90)),
            PICKUP_TOTAL_ROW: row('pickup', '', 'ms', total),
            IDLE_ROW % cfg.idle_seconds: row('pickup', '', '% core', [cpu * 100], None,
                                             ('value', 2.0))}


def pg_batch(cfg, pg):
    n, data = cfg.batch_jobs, true_lines(cfg.batch_jobs)
    rates = []
    for _ in range(cfg.batch_runs):
        home = Home('pg-batch', pg)
        try:
            home.run(['add', '-q', 'true'])
            rates.append(n / timed(qc('add', '--stdin'), home.env, home.path, stdin=data))
        finally:
            home.close()
    return {BATCH_ROW % n: row('batch', '', 'jobs/s', rates, None, ('value', 50000.0),
                               better='higher')}


def pg_scale(cfg, pg):
    n = cfg.scale_jobs
    if getattr(cfg, 'pg_empty_run', None) is None:
        home = Home('pg-scale-empty', pg)
        try:
            cfg.pg_empty_run = median([queuectl_throughput(home, cfg.jobs)[1]
                                       for _ in range(cfg.tp_runs)])
        finally:
            home.close()
    home = Home('pg-scale', pg)
    try:
        home.run(['add', '-q', 'true'])
        build = timed(qc('add', '--stdin', '--delay', '1d'), home.env, home.path,
                      stdin=true_lines(n, 'echo later'))
        home.run(['worker', 'start', '--count', '2', '--burst'])
        status = [timed(qc('status'), home.env, home.path) for _ in range(cfg.status_runs)]
        runs = [queuectl_throughput(home, cfg.jobs)[1] for _ in range(cfg.tp_runs)]
    finally:
        home.close()
    return {SCALE_SETUP_ROW % n: row('scale', '', 'jobs/s', [n / build], better='higher'),
            SCALE_STATUS_ROW % n: row('scale', '', 's', status, None, ('value', 0.5)),
            SCALE_RUN_ROW % (cfg.jobs, n): row('scale', '', 's', runs, cfg.pg_empty_run,
                                               ('ratio', 1.5))}


def pg_memory(cfg, pg):
    home = Home('pg-memory', pg)
    try:
        env = dict(home.env, PYTHONPATH=compiled_copy(home))
        rss, pss = pool_memory(home, lambda *a: [PY, '-m', 'queuectl'] + list(a), env)
    finally:
        home.close()
    return {MEMORY_ROW % 'installed': row('memory', '', 'MB', rss, value=max(rss),
                                          note='PostgreSQL: RSS supervisor %.1f MB (the '
                                          'driver), workers %s MB' % (rss[0], ', '.join(
                                              '%.1f' % x for x in rss[1:])))}


def pg_sessions(cfg, pg):
    """The sessions a pool of 4 holds while its workers run jobs: one, and one more
    that LISTENs; a --burst pool does not listen."""
    home = Home('pg-sessions', pg)
    try:
        hold = 'while [ ! -e %s ]; do sleep 0.05; done' % home.file('go')
        home.run(['add', '--stdin'], stdin=('%s\n' % hold * 4).encode())
        with Pool(home, 4) as pool:
            pool.wait_ready()
            deadline = time.monotonic() + 10
            while home.status()['jobs'].get('processing', 0) < 4:
                if time.monotonic() > deadline:
                    raise BenchError('the pool did not start 4 jobs')
                time.sleep(0.1)
            time.sleep(0.5)
            listening = pg.sessions(home.database)
            open(home.file('go'), 'w').close()
        home.run(['add', '-q', 'sleep 2'])
        burst = subprocess.Popen(qc('worker', 'start', '--count', '4', '--burst'), env=home.env,
                                 cwd=home.path, stdout=DEVNULL, stderr=DEVNULL)
        time.sleep(1.0)
        polling = pg.sessions(home.database)
        burst.wait()
    finally:
        home.close()
    return {SESSIONS_ROW: row('sessions', '', 'sessions', [listening], None, ('value', 2.0)),
            BURST_SESSIONS_ROW: row('sessions', '', 'sessions', [polling], None,
                                    ('value', 1.0))}


# The rows the PostgreSQL column fills, by name.
ADD_ROW = 'queuectl add, installed (start to committed row)'
THRUPUT_ROW = 'queuectl %d jobs, 2 workers, installed (burst run)'
CPU_ROW = 'CPU per job, all processes (pool, workers, jobs)'
WIDE_ROW = 'queuectl %d sleep 0.05 jobs, 32 workers, installed'
PICKUP_ROW = 'queuectl pickup median (after add returns)'
PICKUP_P90_ROW = 'queuectl pickup p90 (after add returns)'
PICKUP_TOTAL_ROW = 'queuectl add start to job start'
IDLE_ROW = 'queuectl idle pool CPU (2 workers, %gs)'
BATCH_ROW = 'queuectl add --stdin %d lines'
SCALE_SETUP_ROW = 'setup: add --stdin --delay 1d, %d lines'
SCALE_STATUS_ROW = 'status with %d jobs'
SCALE_RUN_ROW = 'queuectl %d jobs, 2 workers, %d in db'
MEMORY_ROW = 'idle pool of 4, %s: max RSS per process'
SESSIONS_ROW = 'sessions of a pool of 4 running jobs (one LISTENs)'
BURST_SESSIONS_ROW = 'sessions of a --burst pool of 4 running jobs'
PG_SECTIONS = (('add', pg_add), ('thruput', pg_throughput), ('pickup', pg_pickup),
               ('batch', pg_batch), ('scale', pg_scale), ('memory', pg_memory),
               ('sessions', pg_sessions))


def postgres_column(cfg, rows, errors):
    """Measure each section on PostgreSQL; its results go beside the rows of
    the same name (row['pg']), plus a row of PostgreSQL's own: sessions."""
    missing = PgServer.missing()
    if missing:
        return 'no PostgreSQL column: %s' % missing
    pg = PgServer()
    found = {}
    try:
        for name, bench in PG_SECTIONS:
            if cfg.only and name not in cfg.only:
                continue
            started = time.monotonic()
            try:
                found.update(bench(cfg, pg))
            except (BenchError, OSError, subprocess.SubprocessError, ValueError,
                    KeyError) as exc:
                errors['postgres ' + name] = '%s: %s' % (type(exc).__name__, exc)
            sys.stderr.write('bench: postgres %s %s in %.1fs\n' % (
                name, 'FAILED: ' + errors['postgres ' + name]
                if 'postgres ' + name in errors else 'done', time.monotonic() - started))
            sys.stderr.flush()
    finally:
        pg.stop()
    for r in rows:
        if r['name'] in found:
            r['pg'] = found.pop(r['name'])
    for name, r in found.items():       # PostgreSQL's own, or its SQLite section not run
        r['name'] = name
        rows.append(dict(r, median=None, samples=[], floor=None, ratio=None, target=None,
                         note=None, pg=dict(r)))
    return None
def process_cpu(argv, env, cwd):
    """CPU seconds (user + system) of one process run to its end."""
    proc = subprocess.Popen(argv, env=env, cwd=cwd, stdin=DEVNULL, stdout=DEVNULL,
                            stderr=DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = status
    if status:
        raise BenchError('%s exited with status %d' % (' '.join(argv)[:60], status))
    return usage.ru_utime + usage.ru_stime


def live_top_cpu(home, seconds):
    """CPU seconds per refresh of `top` running on a pseudo-terminal (80x40),
    measured over `seconds` after its first second (start-up excluded)."""
    import fcntl
    import select
    import struct
    import termios
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack('HHHH', 40, 120, 0, 0))
    proc = subprocess.Popen(qc('top'), env=dict(home.env, TERM='xterm'), cwd=home.path,
                            stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
    os.close(slave)

    def drain(until):
        while time.monotonic() < until:
            if select.select([master], [], [], 0.05)[0]:
                try:
                    os.read(master, 65536)
                except OSError:
                    return
    try:
        drain(time.monotonic() + 1.5)
        cpu0, wall0 = cpu_seconds(proc.pid), time.monotonic()
        drain(wall0 + seconds)
        cpu = cpu_seconds(proc.pid) - cpu0
        elapsed = time.monotonic() - wall0                  # one refresh a second
        if proc.poll() is not None:
            raise BenchError('top exited with status %s' % proc.returncode)
        os.write(master, b'q')
        drain(time.monotonic() + 0.5)
        return cpu / elapsed
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        os.close(master)


def bench_top(cfg):
    """What watching the queue costs: `status` once a second (a new process each
    time, as `watch` runs it) against `top` refreshing once a second."""
    n = cfg.scale_jobs
    home = Home('top')
    try:
        home.run(['add', '--stdin', '--delay', '1d'], stdin=true_lines(n, 'echo later'))
        home.run(['add', '--stdin'], stdin=true_lines(100, 'sleep 1'))
        argv = dict(status=qc('status'), once=qc('top', '--once'),
                    empty=qc('--db', home.file('empty.db'), 'status'))   # read as empty
        cpu = dict((k, []) for k in argv)
        for _ in range(cfg.status_runs):
            for key in argv:
                cpu[key].append(process_cpu(argv[key], home.env, home.path) * 1000)
        live = [live_top_cpu(home, 5.0) * 1000]
    finally:
        home.close()
    status_db = median(cpu['status']) - median(cpu['empty'])
    return [row('top', 'status with %d jobs: CPU per call' % n, 'ms', cpu['status']),
            row('top', 'status of an empty database: CPU per call', 'ms', cpu['empty']),
            row('top', 'top --once: CPU per call', 'ms', cpu['once'], median(cpu['status'])),
            row('top', 'top running: CPU per 1 s refresh', 'ms', live,
                status_db if status_db > 0 else None, ('ratio', 1.0),
                note='floor: what the jobs add to one status (status minus empty status)')]


def machine_info():
    version = subprocess.check_output(qc('--version')).decode().strip()
    model = None
    if os.path.exists('/proc/cpuinfo'):
        with open('/proc/cpuinfo') as handle:
            model = next((l.split(':', 1)[1].strip() for l in handle
                          if l.startswith('model name')), None)
    return {'date': datetime.datetime.now(datetime.timezone.utc).isoformat(),
            'cpu_count': os.cpu_count(), 'cpu_model': model, 'platform': platform.platform(),
            'python': sys.version.split()[0], 'python_executable': PY,
            'sqlite': sqlite3.sqlite_version, 'queuectl': version,
            'tsp': shutil.which('tsp'), 'nq': shutil.which('nq'),
            'loadavg_start': os.getloadavg()}


def fmt(value, unit):
    if value is None:
        return '-'
    if unit == 'jobs/s':
        return '{:,.0f}'.format(value)
    return '%.3f' % value if abs(value) < 10 else '%.1f' % value


def describe_target(r):
    if not r['target']:
        return ''
    kind, limit = r['target']
    sign = '<=' if r['better'] == 'lower' else '>='
    return sign + (' %gx' % limit if kind == 'ratio' else ' ' + fmt(limit, r['unit']))


def print_table(rows, out):
    """The SQLite columns, then (when measured) the PostgreSQL ones: its median,
    its ratio to its own floor, its target and result."""
    head = ('measurement', 'median', 'unit', 'floor', 'ratio', 'target', 'result')
    with_pg = any(r.get('pg') for r in rows)
    if with_pg:
        head += ('PostgreSQL', 'ratio', 'target', 'result')
    lines = []
    for r in rows:
        line = (r['name'], fmt(r['median'], r['unit']), r['unit'], fmt(r['floor'], r['unit']),
                '-' if r['ratio'] is None else '%.2fx' % r['ratio'], describe_target(r),
                r['result'] or '')
        if with_pg:
            pg = r.get('pg') or {}
            line += (fmt(pg.get('median'), r['unit']),
                     '-' if pg.get('ratio') is None else '%.2fx' % pg['ratio'],
                     describe_target(pg) if pg else '', pg.get('result') or '')
        lines.append(line)
    widths = [max(len(x[i]) for x in lines + [head]) for i in range(len(head))]
    section = None
    for line, r in zip([head] + lines, [None] + rows):
        if r and r['section'] != section:
            section = r['section']
            out.write('-- %s\n' % section)
        out.write('  '.join(c.ljust(w) if i == 0 else c.rjust(w)
                            for i, (c, w) in enumerate(zip(line, widths))).rstrip() + '\n')
    for r in rows:
        if r['note']:
            out.write('note: %s: %s\n' % (r['name'], r['note']))
        if (r.get('pg') or {}).get('note'):
            out.write('note: %s: %s\n' % (r['name'], r['pg']['note']))


def parse_args(argv):
    p = argparse.ArgumentParser(description='Benchmark queuectl against floors and peers.')
    p.add_argument('--quick', action='store_true', help='fewer runs and repetitions')
    p.add_argument('--json', default='bench-results.json', metavar='PATH',
                   help='where to write the results (default: %(default)s in the cwd)')
    p.add_argument('--only', nargs='+', choices=SECTIONS, metavar='SECTION',
                   help='run only these sections: %s' % ', '.join(SECTIONS))
    p.add_argument('--no-peers', dest='peers', action='store_false', help='skip tsp and nq')
    p.add_argument('--scale-jobs', type=int, default=1000000, metavar='N',
                   help='jobs in the database for the scale test (default: %(default)s)')
    p.add_argument('--check', action='store_true', help='exit 1 if a target fails')
    p.add_argument('--no-postgres', dest='postgres', action='store_false',
                   help='skip the PostgreSQL column')
    cfg = p.parse_args(argv)
    cfg.add_runs, cfg.add_calls = (3, 5) if cfg.quick else (5, 10)
    cfg.tp_runs = 1 if cfg.quick else 3
    cfg.pickup_reps = 10 if cfg.quick else 20
    cfg.batch_runs = 1 if cfg.quick else 3
    cfg.status_runs = 3 if cfg.quick else 5
    cfg.idle_seconds, cfg.jobs, cfg.batch_jobs, cfg.wide_jobs = 3.0, 2000, 100000, 1000
    return cfg


def main(argv=None):
    cfg = parse_args(sys.argv[1:] if argv is None else argv)
    info = machine_info()
    out = sys.stdout
    out.write('queuectl benchmark (%s): %s, Python %s, SQLite %s, %d CPUs, load %.1f, %s\n'
              % ('quick' if cfg.quick else 'full', info['queuectl'], info['python'],
                 info['sqlite'], info['cpu_count'], info['loadavg_start'][0], info['date']))
    out.flush()
    benches = {'add': bench_add, 'thruput': bench_throughput, 'pickup': bench_pickup,
               'batch': bench_batch, 'scale': bench_scale, 'memory': bench_memory,
               'top': bench_top}
    rows, errors = [], {}
    for name in SECTIONS:
        if (cfg.only and name not in cfg.only) or name not in benches:
            continue
        started = time.monotonic()
        try:
            rows.extend(benches[name](cfg))
        except (BenchError, OSError, subprocess.SubprocessError, ValueError, KeyError) as exc:
            errors[name] = '%s: %s' % (type(exc).__name__, exc)
        sys.stderr.write('bench: %s %s in %.1fs\n' % (
            name, 'FAILED: ' + errors[name] if name in errors else 'done',
            time.monotonic() - started))
        sys.stderr.flush()
    if cfg.postgres:
        skipped = postgres_column(cfg, rows, errors)
        if skipped:
            sys.stderr.write('bench: %s\n' % skipped)
    info['loadavg_end'] = os.getloadavg()
    results = []
    for r in rows:
        r['result'] = judge(r)
        if r.get('pg'):
            r['pg']['result'] = judge(r['pg'])
        results += [r['result'], (r.get('pg') or {}).get('result')]
    print_table(rows, out)
    failed = [r['name'] for r in rows if r['result'] == 'FAIL' or
              (r.get('pg') or {}).get('result') == 'FAIL']
    out.write('\ntargets: %d pass, %d fail%s\n' % (
        results.count('PASS'), results.count('FAIL'),
        '; errors in: %s' % ', '.join(sorted(errors)) if errors else ''))
    with open(cfg.json, 'w') as handle:
        json.dump({'machine': info, 'mode': 'quick' if cfg.quick else 'full',
                   'results': rows, 'errors': errors}, handle, indent=2)
        handle.write('\n')
    out.write('load average (1 min) at start %.1f, at end %.1f; results written to %s\n'
              % (info['loadavg_start'][0], info['loadavg_end'][0], cfg.json))
    return 1 if cfg.check and (failed or errors) else 0


if __name__ == '__main__':
    sys.exit(main())
