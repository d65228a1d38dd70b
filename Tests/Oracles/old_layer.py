"""The old Python storage layer's file rules, as the tests' oracle.

One place for what the old layer did with its files (the JSON tests import this through
PYTHONPATH, see JSONTestSupport.python):

- storage.json: every project keeps its segments in order, with derived indexes (segment
  ids by task, by file path and by tag, in segment order). A null or empty task_id or
  file_path was not indexed; a tag repeated within one segment lists its id once.
- stashed/<project_id>.json and stashed/<project_id>_<YYYY-MM>.json: named after the project
  id as it is; the old reader finds a project only under that name.
- evicted/<segment_id>.json: one segment object, written by the LRU when it pushed a working
  segment out of memory.
Every file was written with json.dump(obj, f, indent=2).
"""
import json
import os
import re


def legacy_document(projects):
    """projects: {project_id: [segment dict, ...]} in order -> the storage.json object."""
    legacy = {"version": "1.0", "projects": {}}
    for pid, ps in projects.items():
        by_task, by_file, by_tag = {}, {}, {}
        for s in ps:
            if s["task_id"]: by_task.setdefault(s["task_id"], []).append(s["segment_id"])
            if s["file_path"]: by_file.setdefault(s["file_path"], []).append(s["segment_id"])
            for t in dict.fromkeys(s["tags"]): by_tag.setdefault(t, []).append(s["segment_id"])
        legacy["projects"][pid] = {"segments": ps, "indexes": {"by_task": by_task, "by_file": by_file, "by_tag": by_tag}}
    return legacy


def dump(path, obj):
    """Writes obj as the old layer did (creating the directories on the way)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2)


def load_project(root, project_id):
    """The old reader: a project's segments from stashed/<project_id>.json (None if no file)."""
    path = os.path.join(root, "stashed", project_id + ".json")
    if not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as f:
        return json.load(f)["segments"]


def load_project_months(root, project_id):
    """The old reader of date-sharded files: {YYYY-MM: segments} of stashed/<project_id>_<YYYY-MM>.json."""
    out = {}
    prefix = project_id + "_"
    for name in sorted(os.listdir(os.path.join(root, "stashed"))):
        if name.startswith(prefix) and re.fullmatch(r"\d{4}-\d{2}\.json", name[len(prefix):]):
            with open(os.path.join(root, "stashed", name), encoding="utf-8") as f:
                out[name[len(prefix):-5]] = json.load(f)["segments"]
    return out


def spill(root, segment):
    """The LRU's eviction: writes segment to evicted/<segment_id>.json."""
    dump(os.path.join(root, "evicted", segment["segment_id"] + ".json"), segment)
