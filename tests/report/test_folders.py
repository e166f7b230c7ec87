"""The output folder that runs share: which folder holds which team, and the lock."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from salesops.errors import ParamsError
from salesops.report.run.folders import RECORD_NAME, team_folders
from salesops.report.run.grid import short_hash


def test_a_name_whose_slug_is_taken_gets_the_slug_and_a_hash_of_the_name(tmp_path: Path) -> None:
    teams = ["West Coast", "west-coast", "West/Coast", "ALL", "SMB"]
    folders = team_folders(tmp_path, teams)
    # new names in code point order: "ALL" < "SMB" < "West Coast" < "West/Coast" < "west-coast"
    assert folders == {
        "all": "all",  # the roll-up's, never a team's
        "ALL": f"all-{short_hash('ALL')}",
        "SMB": "smb",
        "West Coast": "west-coast",
        "West/Coast": f"west-coast-{short_hash('West/Coast')}",
        "west-coast": f"west-coast-{short_hash('west-coast')}",
    }
    record = json.loads((tmp_path / RECORD_NAME).read_text(encoding="utf-8"))
    assert record == {"folders": {k: v for k, v in sorted(folders.items()) if k != "all"}}


def test_a_recorded_folder_stays_whatever_the_next_run_renders(tmp_path: Path) -> None:
    assert team_folders(tmp_path, ["team-a"])["team-a"] == "team-a"
    later = team_folders(tmp_path, ["Team A"])
    assert later["Team A"] == f"team-a-{short_hash('Team A')}"
    assert later["team-a"] == "team-a"  # recorded, though not in this run
    assert team_folders(tmp_path, ["team-a", "Team A"]) == later


def test_look_alike_names_are_different_teams_with_different_folders(tmp_path: Path) -> None:
    nfc = unicodedata.normalize("NFC", "Zürich")
    nfd = unicodedata.normalize("NFD", "Zürich")
    names = [nfc, nfd, "zurich", "Zurich ", " Zurich", "ZURICH", "Ｚurich"]  # last: fullwidth Z
    folders = team_folders(tmp_path, names)
    assert len({folders[name] for name in names}) == len(names)
    assert all(folders[name].startswith("zurich") for name in names)


def test_a_folder_without_a_record_takes_the_folders_its_manifests_name(tmp_path: Path) -> None:
    (tmp_path / "2026Q2").mkdir()
    runs = [{"team": "team-a", "team_slug": "team-a"}, {"team": "X", "team_slug": "../x"}]
    (tmp_path / "2026Q2" / "manifest.json").write_text(json.dumps({"runs": runs}))
    folders = team_folders(tmp_path, ["Team A", "X"])
    assert folders["team-a"] == "team-a" and folders["Team A"] == f"team-a-{short_hash('Team A')}"
    assert folders["X"] == "x"  # a recorded folder that is not a slug is not taken


@pytest.mark.parametrize("text", ["{", '{"folders": {"A": "../a"}}', '{"folders": []}'])
def test_an_unreadable_record_is_refused(tmp_path: Path, text: str) -> None:
    (tmp_path / RECORD_NAME).write_text(text)
    with pytest.raises(ParamsError, match=f"{RECORD_NAME} cannot be read .*delete it to rebuild"):
        team_folders(tmp_path, ["A"])
