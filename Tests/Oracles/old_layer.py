"""The old Python layer's legacy storage.json document, as the tests' oracle.

One place for the rule the old layer followed when it wrote storage.json: every project
keeps its segments in order, with derived indexes (segment ids by task, by file path and by
tag, in segment order). The JSON tests import this through PYTHONPATH (JSONTestSupport.python).
"""


def legacy_document(projects):
    """projects: {project_id: [segment dict, ...]} in order -> the storage.json object."""
    legacy = {"version": "1.0", "projects": {}}
    for pid, ps in projects.items():
        by_task, by_file, by_tag = {}, {}, {}
        for s in ps:
            if s["task_id"] is not None: by_task.setdefault(s["task_id"], []).append(s["segment_id"])
            if s["file_path"] is not None: by_file.setdefault(s["file_path"], []).append(s["segment_id"])
            for t in s["tags"]: by_tag.setdefault(t, []).append(s["segment_id"])
        legacy["projects"][pid] = {"segments": ps, "indexes": {"by_task": by_task, "by_file": by_file, "by_tag": by_tag}}
    return legacy
