"""Packaging: `pip install .` or `pipx install .` gives a `queuectl` command.

The metadata is here, not in pyproject.toml's [project] table: setuptools reads
that table only from version 61, which needs Python 3.7, and queuectl runs on
Python 3.6. This file works with every setuptools and pip from Python 3.6 on,
including pip 9 and 18 as RHEL 8 and Ubuntu 18.04 ship them.
"""
import io
import os
import re

from setuptools import setup

HERE = os.path.dirname(os.path.abspath(__file__))


def read(name):
    with io.open(os.path.join(HERE, name), encoding='utf-8') as handle:
        return handle.read()


setup(
    name='queuectl',
    version=re.search(r"^__version__ = '([^']+)'", read('queuectl.py'), re.M).group(1),
    description='A background job queue for shell commands, in one file: SQLite, worker '
                'pool, retries with backoff, dead letter queue.',
    long_description=read('README.md'),
    long_description_content_type='text/markdown',
    license='MIT',
    python_requires='>=3.6',
    py_modules=['queuectl'],
    entry_points={'console_scripts': ['queuectl = queuectl:_entry']},
    classifiers=[
        'Environment :: Console',
        'License :: OSI Approved :: MIT License',
        'Operating System :: POSIX',
        'Programming Language :: Python :: 3',
        'Topic :: System :: Systems Administration',
    ],
)
