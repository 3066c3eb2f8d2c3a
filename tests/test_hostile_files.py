"""Files that are not scenarios get one located line and exit 2: never a hang, a memory blow-up,
a RecursionError or a crash (issue 11, reading is bounded)."""

import os
import threading

import pytest

from conftest import TEST_SCENARIOS
from sim.cli import main
from sim.scenario import yamlio

CHAIN = (TEST_SCENARIOS / "chain.yaml").read_text()


def one_error(capsys, argv) -> str:
    code = main(argv)
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2, err
    assert len(err) == 1, err
    assert err[0].startswith("error: ")
    return err[0].removeprefix("error: ")


def test_a_nul_byte_is_refused_with_its_line(tmp_path, capsys):
    path = tmp_path / "s.yaml"
    lines = CHAIN.splitlines(keepends=True)
    lines[4] = lines[4][:3] + "\x00" + lines[4][3:]
    path.write_text("".join(lines))
    assert one_error(capsys, ["validate", str(path)]) == f"{path}:5:4: NUL byte: this is not a text file"


def test_bytes_that_are_not_utf8_are_refused_with_their_line(tmp_path, capsys):
    path = tmp_path / "s.yaml"
    raw = CHAIN.encode().replace(b"name: China", b"name: Ch\xe9na", 1)
    path.write_bytes(raw)
    line = raw[: raw.index(b"\xe9")].count(b"\n") + 1
    err = one_error(capsys, ["validate", str(path)])
    assert err.startswith(f"{path}:{line}:")
    assert "not UTF-8 text (byte 0xe9)" in err


def test_deep_nesting_is_refused(tmp_path, capsys):
    path = tmp_path / "s.yaml"
    path.write_text("meta: " + "[" * 2000 + "]" * 2000 + "\n")
    err = one_error(capsys, ["validate", str(path)])
    assert f"nested more than {yamlio.MAX_DEPTH} levels deep" in err and err.startswith(f"{path}:1:")


def test_an_alias_bomb_is_refused(tmp_path, capsys):
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for i in range(1, 10):  # 10^10 values if expanded
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    path = tmp_path / "s.yaml"
    path.write_text("\n".join(lines) + "\n")
    assert "expands to more than 1,000,000 values" in one_error(capsys, ["validate", str(path)])


def test_a_recursive_alias_is_refused(tmp_path, capsys):
    path = tmp_path / "s.yaml"
    path.write_text("meta: &m {name: x, again: *m}\n")
    err = one_error(capsys, ["validate", str(path)])
    assert err.startswith(f"{path}:1:") and ("contains it" in err or "recursive" in err)


def test_too_many_aliases_are_refused(tmp_path, capsys):
    path = tmp_path / "s.yaml"
    path.write_text("a: &a 1\nb: [" + ", ".join(["*a"] * (yamlio.MAX_ALIASES + 1)) + "]\n")
    assert f"more than {yamlio.MAX_ALIASES} aliases" in one_error(capsys, ["validate", str(path)])


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(yamlio, "MAX_BYTES", 1000)
    path = tmp_path / "s.yaml"
    path.write_text(CHAIN)
    err = one_error(capsys, ["validate", str(path)])
    assert err.startswith(f"{path}: file is {len(CHAIN.encode()):,} bytes, more than the 1,000")


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_device_is_refused(capsys, device):
    if not os.path.exists(device):
        pytest.skip(f"no {device} here")
    assert one_error(capsys, ["validate", device]) == f"{device}: not a regular file (a device, pipe or socket): expected a YAML file"


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path, capsys):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    child = tmp_path / "child.yaml"
    child.write_text("extends: pipe.yaml\n")
    done = threading.Event()
    result = {}

    def validate():
        result["err"] = one_error(capsys, ["validate", str(child)])
        done.set()

    worker = threading.Thread(target=validate, daemon=True)
    worker.start()
    if not done.wait(10):  # a blocked open() would wait for a writer for ever
        with open(fifo, "w"):
            pass  # release the reader so the thread ends
        pytest.fail("reading a FIFO hung")
    assert "not a regular file" in result["err"]


def test_a_long_extends_chain_is_refused(tmp_path, capsys):
    (tmp_path / "f0.yaml").write_text(CHAIN)
    for i in range(1, 60):
        (tmp_path / f"f{i}.yaml").write_text(f"extends: f{i - 1}.yaml\n")
    err = one_error(capsys, ["validate", str(tmp_path / "f59.yaml")])
    assert "extends" in err and "more than" in err


def test_a_path_too_long_for_the_system_is_a_clear_error(capsys):
    err = one_error(capsys, ["validate", "/tmp/" + "x" * 5000 + ".yaml"])
    assert "cannot read file" in err or "file not found" in err
