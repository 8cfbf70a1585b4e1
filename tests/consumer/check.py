#!/usr/bin/env python3
"""Builds a consumer project against dualiter the way users do, in a scratch folder, once per
C++ standard the consumer chooses for itself.

  check.py SOURCE_ROOT subproject fallback-name|fallback-variable STD...
  check.py SOURCE_ROOT wrap STD...
  check.py SOURCE_ROOT installed STD...

subproject: tests/consumer with dualiter's build files and headers copied into
subprojects/dualiter. wrap: the project the README shows (its `meson` block as meson.build, its
wrap file with only the URL changed, pointing at a git repository made from this checkout).
installed: `meson install --destdir` dualiter, then tests/consumer finds it with pkg-config
(PKG_CONFIG_SYSROOT_DIR maps the installed prefix into the destdir).

Every STD (c++20, c++23, gnu++20, ...) is the consumer's own `-Dcpp_std`: its program must build,
run, print the right sums, and report that standard in __cplusplus, so nothing dualiter hands
the consumer (a pkg-config flag, say) can change the language level. STD c++17 must instead fail
with exactly one error, dualiter's own. The subproject and wrap builds force the fallback and
check it was taken, with a decoy dualiter.pc on PKG_CONFIG_PATH that would otherwise be found
(as an installed copy would be). CXX chooses the compiler.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

# __cplusplus for each standard a consumer may pick; newer ones only need to be above C++20's.
CPLUSPLUS = {"c++20": 202002, "gnu++20": 202002}
ERROR = re.compile(r"^(?:\S.*?: )?(?:fatal )?error: ", re.M)
TOO_OLD = "dualiter needs C++20 or newer with coroutines"


def run(*cmd, env=None, cwd=None, check=True):
    print("$", " ".join(cmd), flush=True)
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    print(proc.stdout + proc.stderr, flush=True)
    if check and proc.returncode != 0:
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}")
    return proc


def copy_dualiter(source_root, into):
    os.makedirs(into)
    for name in ("meson.build", "meson_options.txt"):
        shutil.copy(os.path.join(source_root, name), into)
    shutil.copytree(os.path.join(source_root, "include"), os.path.join(into, "include"))


def readme_block(source_root, language, first_line):
    """The README's fenced block in `language` whose first line starts with `first_line`."""
    with open(os.path.join(source_root, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    for block in re.findall(r"^```" + language + r"\n(.*?)^```", readme, re.M | re.S):
        if block.startswith(first_line):
            return block
    sys.exit(f"README.md has no ```{language} block starting with {first_line!r}")


def make_wrap_project(source_root, scratch, project):
    """The README's project: its meson.build and wrap file, the URL pointing at a local repo."""
    repo = os.path.join(scratch, "dualiter.git")
    copy_dualiter(source_root, repo)
    git = ["git", "-c", "user.name=dualiter tests", "-c", "user.email=tests@dualiter.invalid"]
    run(*git, "init", "-q", "-b", "main", cwd=repo)
    run(*git, "add", "-A", cwd=repo)
    run(*git, "commit", "-q", "-m", "dualiter", cwd=repo)
    os.makedirs(os.path.join(project, "subprojects"))
    wrap = readme_block(source_root, "ini", "# subprojects/dualiter.wrap")
    wrap, urls = re.subn(r"^url = .*$", f"url = file://{repo}", wrap, flags=re.M)
    if urls != 1:
        sys.exit("the README's wrap file should have one `url = ` line")
    with open(os.path.join(project, "subprojects", "dualiter.wrap"), "w", encoding="utf-8") as f:
        f.write(wrap)
    with open(os.path.join(project, "meson.build"), "w", encoding="utf-8") as f:
        f.write(readme_block(source_root, "meson", "project("))


def add_decoy(scratch, env):
    """A dualiter.pc that any dependency() lookup not forced to the fallback would find."""
    decoy = os.path.join(scratch, "decoy-pkgconfig")
    os.makedirs(decoy)
    with open(os.path.join(decoy, "dualiter.pc"), "w", encoding="utf-8") as f:
        f.write("Name: dualiter\nDescription: a decoy\nVersion: 99.0.0\n"
                "Cflags: -DDUALITER_DECOY_WAS_USED -I/nonexistent/decoy\n")
    env["PKG_CONFIG_PATH"] = decoy


def check_fallback_taken(build):
    info = json.loads(run("meson", "introspect", build, "--projectinfo").stdout)
    names = [p["name"] for p in info.get("subprojects", [])]
    if "dualiter" not in names:
        sys.exit(f"dualiter was not taken as a subproject (subprojects: {names})")
    with open(os.path.join(build, "build.ninja"), encoding="utf-8") as f:
        if "DUALITER_DECOY_WAS_USED" in f.read():
            sys.exit("the decoy dualiter.pc was used instead of the subproject")


def executables(build):
    targets = json.loads(run("meson", "introspect", build, "--targets").stdout)
    return [t["filename"][0] for t in targets if t["type"] == "executable"]


def std_options(std):
    # Meson 1.0's cpp_std has no c++23 yet; c++2b is the spelling GCC 12 and Clang 14 both know.
    if std == "c++23":
        return ["-Dcpp_std=none", "-Dcpp_args=-std=c++2b"]
    return [f"-Dcpp_std={std}"]


def build_with(project, std, setup_args, env, fallback):
    build = os.path.join(project, f"build-{std}")
    run("meson", "setup", build, *std_options(std), *setup_args, cwd=project, env=env)
    if fallback:
        check_fallback_taken(build)
    proc = run("meson", "compile", "-C", build, cwd=project, env=env, check=std != "c++17")
    if std == "c++17":
        output = proc.stdout + proc.stderr
        errors = ERROR.findall(output)
        if proc.returncode == 0 or len(errors) != 1 or TOO_OLD not in output:
            sys.exit(f"with -std=c++17 the build must stop with one error, {TOO_OLD!r}; "
                     f"got exit status {proc.returncode} and {len(errors)} errors")
        return
    programs = executables(build)
    if len(programs) != 1:
        sys.exit(f"expected one program, found {programs}")
    out = run(programs[0], cwd=project).stdout
    m = re.search(r"sync 6 async 6 C\+\+ (\d+)", out)
    if not m:
        sys.exit(f"unexpected output: {out!r}")
    seen = int(m.group(1))
    if std in CPLUSPLUS and seen != CPLUSPLUS[std] or std not in CPLUSPLUS and seen <= 202002:
        sys.exit(f"the consumer asked for {std} but was compiled with __cplusplus {seen}")


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    source_root, mode = argv[0], argv[1]
    consumer = os.path.dirname(os.path.abspath(__file__))
    with tempfile.TemporaryDirectory(prefix="dualiter-consumer-") as scratch:
        project = os.path.join(scratch, "consumer")
        shutil.copytree(consumer, project, ignore=shutil.ignore_patterns("check.py"))
        env = dict(os.environ)
        fallback = mode in ("subproject", "wrap")
        if mode == "subproject":
            copy_dualiter(source_root, os.path.join(project, "subprojects", "dualiter"))
            setup_args, stds = [f"-Dhow={argv[2]}"], argv[3:]
        elif mode == "wrap":
            os.remove(os.path.join(project, "meson.build"))
            os.remove(os.path.join(project, "meson_options.txt"))
            make_wrap_project(source_root, scratch, project)
            setup_args, stds = [], argv[2:]
        elif mode == "installed":
            dualiter_build = os.path.join(scratch, "dualiter-build")
            destdir = os.path.join(scratch, "root")
            # The README's install command: builds nothing but installs the headers.
            run("meson", "setup", dualiter_build, source_root, "--prefix=/usr/local",
                "-Dtests=false", "-Dexamples=false", "-Dbench=disabled", env=env)
            run("meson", "install", "-C", dualiter_build, "--destdir", destdir, env=env)
            pc_dirs = [root for root, _, files in os.walk(destdir) if "dualiter.pc" in files]
            if not pc_dirs:
                sys.exit("dualiter.pc was not installed")
            header = os.path.join(destdir, "usr/local/include/dualiter/dualiter.hpp")
            if not os.path.exists(header):
                sys.exit(f"headers not installed under include/dualiter/: no {header}")
            env["PKG_CONFIG_PATH"] = pc_dirs[0]
            env["PKG_CONFIG_SYSROOT_DIR"] = destdir
            cflags = run("pkg-config", "--cflags", "--libs", "dualiter", env=env).stdout
            if "-std" in cflags:
                sys.exit(f"dualiter.pc must not choose the consumer's standard: {cflags!r}")
            setup_args, stds = ["-Dhow=pkg-config"], argv[2:]
        else:
            sys.exit(__doc__)
        if fallback:
            add_decoy(scratch, env)
            setup_args.append("--force-fallback-for=dualiter")
        if not stds:
            sys.exit("no C++ standard given")
        for std in stds:
            build_with(project, std, setup_args, env, fallback)
    print("ok")


if __name__ == "__main__":
    main(sys.argv[1:])
