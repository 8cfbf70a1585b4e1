#!/usr/bin/env python3
"""Builds tests/consumer against dualiter the way users do, in a scratch folder.

  check.py SOURCE_ROOT subproject fallback-name|fallback-variable
  check.py SOURCE_ROOT installed

subproject: copies dualiter's build files and headers into subprojects/dualiter of a copy of
the consumer. installed: `meson install --destdir` dualiter, then finds it with pkg-config
(PKG_CONFIG_SYSROOT_DIR maps the installed prefix into the destdir). Either way the consumer
must build and its program must run and print the right sums. CXX chooses the compiler.
"""
import os
import shutil
import subprocess
import sys
import tempfile


def run(*cmd, env=None, cwd=None):
    print("$", " ".join(cmd), flush=True)
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    print(proc.stdout + proc.stderr, flush=True)
    if proc.returncode != 0:
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}")
    return proc.stdout


def copy_dualiter(source_root, into):
    os.makedirs(into)
    for name in ("meson.build", "meson_options.txt"):
        shutil.copy(os.path.join(source_root, name), into)
    shutil.copytree(os.path.join(source_root, "include"), os.path.join(into, "include"))


def main(argv):
    source_root, mode = argv[0], argv[1]
    consumer = os.path.dirname(os.path.abspath(__file__))
    with tempfile.TemporaryDirectory(prefix="dualiter-consumer-") as scratch:
        project = os.path.join(scratch, "consumer")
        shutil.copytree(consumer, project, ignore=shutil.ignore_patterns("check.py"))
        env = dict(os.environ)
        if mode == "subproject":
            copy_dualiter(source_root, os.path.join(project, "subprojects", "dualiter"))
            run("meson", "setup", "build", f"-Dhow={argv[2]}", cwd=project, env=env)
        elif mode == "installed":
            dualiter_build = os.path.join(scratch, "dualiter-build")
            destdir = os.path.join(scratch, "root")
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
            print(run("pkg-config", "--cflags", "--libs", "dualiter", env=env))
            run("meson", "setup", "build", "-Dhow=pkg-config", cwd=project, env=env)
        else:
            sys.exit(__doc__)
        run("meson", "compile", "-C", "build", cwd=project, env=env)
        out = run(os.path.join(project, "build", "consumer"), cwd=project)
        if "sync 6 async 6" not in out:
            sys.exit(f"unexpected output: {out!r}")
    print("ok")


if __name__ == "__main__":
    main(sys.argv[1:])
