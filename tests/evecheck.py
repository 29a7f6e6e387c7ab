#!/usr/bin/env python3
"""evecheck.py - read a sluice eve.json strictly and validate every event.

Used by the end-to-end tests as a module (load_events) and on its own:
    evecheck.py SCHEMA EVE.JSON...    validate; print a summary; exit 1 on any error
Every line must be strict UTF-8, one JSON object (no NaN, no duplicate keys),
and valid against doc/eve.schema.json.
"""
import json
import sys

try:
    import jsonschema
except ImportError:  # the tests skip (exit 77) rather than pass unvalidated
    jsonschema = None


class EveError(Exception):
    pass


def _no_dupes(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise EveError("duplicate key in object: %r" % keys)
    return dict(pairs)


def _no_constants(name):
    raise EveError("non-standard JSON constant %s" % name)


def load_events(path, schema_path):
    """All events of an eve.json, validated; raises EveError naming file and line."""
    if jsonschema is None:
        raise ImportError("python3-jsonschema is needed to validate events")
    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    validator = jsonschema.Draft7Validator(schema)
    events = []
    with open(path, "rb") as f:
        data = f.read()
    if data and not data.endswith(b"\n"):
        raise EveError("%s: last line is not terminated" % path)
    for n, raw in enumerate(data.splitlines(), 1):
        where = "%s:%d" % (path, n)
        try:
            text = raw.decode("utf-8", errors="strict")
        except UnicodeDecodeError as e:
            raise EveError("%s: not UTF-8: %s" % (where, e))
        try:
            ev = json.loads(text, object_pairs_hook=_no_dupes, parse_constant=_no_constants)
        except (ValueError, EveError) as e:
            raise EveError("%s: not JSON: %s" % (where, e))
        if not isinstance(ev, dict):
            raise EveError("%s: not an object" % where)
        errors = sorted(validator.iter_errors(ev), key=lambda e: list(e.path))
        if errors:
            e = errors[0]
            raise EveError("%s: schema: %s at %s" % (where, e.message, "/".join(map(str, e.path))))
        events.append(ev)
    return events


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    if jsonschema is None:
        print("evecheck: python3-jsonschema not installed", file=sys.stderr)
        return 77
    total = 0
    for path in argv[2:]:
        try:
            evs = load_events(path, argv[1])
        except EveError as e:
            print("evecheck: %s" % e, file=sys.stderr)
            return 1
        total += len(evs)
    print("evecheck: %d events valid" % total)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
