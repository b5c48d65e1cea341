#!/usr/bin/env python3
"""Summarises `perf script -F comm,tid,ip,sym,dso` output of the product's process (bench/profile).

Each sample is given to a component by walking its stack from the leaf up: the first frame that belongs to a
component we name (the database client, Orleans' providers, its runtime, Kestrel, ...) takes it. Framework frames
(System.*) and the kernel fall through to their caller, so a socket send under Npgsql counts as Npgsql's. The
garbage collector and the JIT take their samples wherever they ran.
"""
import collections
import re
import sys

# Order matters: the first rule a frame matches names its component.
RULES = [
    ("garbage collector", re.compile(r"gc_heap::|WKS::|SVR::|GCHeap|gc\.cpp|GCToEEInterface|Alloc.*Slow")),
    ("JIT", re.compile(r"libclrjit|Compiler::|jitNative|CEEInfo::")),
    ("ledger (ours)", re.compile(r"Orleans\.Recovery\.Ledger")),
    ("engine and grains (ours)", re.compile(r"Orleans\.Recovery\.(FollowUps|Carts|Orders|Customers|Mail|Flows|Coupons|Retention|Feedback|Grains)")),
    ("API and hosting (ours)", re.compile(r"Orleans\.Recovery")),
    ("Npgsql (PostgreSQL client)", re.compile(r"\bNpgsql\b|Npgsql\.")),
    ("SQLite", re.compile(r"Microsoft\.Data\.Sqlite|SQLitePCL|libe_sqlite3|sqlite3")),
    ("Orleans ADO.NET providers", re.compile(r"Orleans\.Tests\.SqlUtils|Orleans\.Storage\.AdoNet|Orleans\.Runtime\.ReminderService\.AdoNet|AdoNetGrainStorage|AdoNetReminderTable|RelationalStorage")),
    ("Orleans serializer", re.compile(r"Orleans\.Serialization")),
    ("Orleans reminders", re.compile(r"Orleans\.Runtime\.ReminderService|Orleans\.Reminders")),
    ("Orleans runtime (calls, scheduling, activation)", re.compile(r"\bOrleans\.")),
    ("MailKit and MimeKit", re.compile(r"MailKit|MimeKit")),
    ("ASP.NET Core (Kestrel, routing, auth, validation)", re.compile(r"Microsoft\.AspNetCore|Microsoft\.Extensions\.Validation")),
    ("System.Text.Json", re.compile(r"System\.Text\.Json")),
    ("logging and telemetry", re.compile(r"Microsoft\.Extensions\.Logging|OpenTelemetry|System\.Diagnostics\.Metrics")),
]


def samples(path):
    stack = None
    with open(path, errors="replace") as lines:
        for line in lines:
            if not line.strip():
                if stack is not None:
                    yield stack
                stack = None
            elif not line[0].isspace():
                stack = []
            elif stack is not None:
                parts = line.strip().split(" ", 1)
                frame = parts[1] if len(parts) > 1 else parts[0]
                # "[unknown] (/usr/share/dotnet/shared/.../libcoreclr.so)": the library names what has no symbol.
                match = re.match(r"^\[unknown\] \((.*/)?([^/)]+)\)$", frame)
                stack.append(f"[{match.group(2)}]" if match else re.sub(r" \([^()]*\)$", "", frame))
    if stack:
        yield stack


def component(stack):
    for frame in stack:
        for name, rule in RULES:
            if rule.search(frame):
                return name
    leaf = stack[0] if stack else "[unknown]"
    if leaf.startswith("[") and leaf.endswith("]"):
        return f"no component on the stack: native, in {leaf}"
    return "no component on the stack: framework or kernel code"


def short(frame):
    frame = re.sub(r"\[(OptimizedTier1|Optimized|Tier0|Tier1|QuickJitted|MinOptJitted|PreJIT|Instrumented[^\]]*)\]", "", frame)
    frame = re.sub(r"^(instance |static )?(class |valuetype )?\S+ \[[^\]]+\] ", "", frame)
    frame = re.sub(r"\(.*\)$", "()", frame)
    return frame[:150]


def main():
    total = 0
    by_component = collections.Counter()
    self_time = collections.Counter()
    inclusive = collections.Counter()
    for stack in samples(sys.argv[1]):
        if not stack:
            continue
        total += 1
        by_component[component(stack)] += 1
        self_time[short(stack[0])] += 1
        for frame in {short(f) for f in stack}:
            inclusive[frame] += 1
    if total == 0:
        print("no samples")
        return
    print(f"{total} samples")
    print()
    print("## by component (leaf up: the first named component on the stack)")
    for name, count in by_component.most_common():
        print(f"{100 * count / total:6.1f} %  {name}")
    print()
    print("## hottest functions, self")
    for name, count in self_time.most_common(25):
        print(f"{100 * count / total:6.1f} %  {name}")
    print()
    print("## managed functions with the most samples on their stack (inclusive)")
    shown = 0
    for name, count in inclusive.most_common(400):
        if "::" in name and ("Orleans" in name or "Npgsql" in name or "AspNetCore" in name or "MailKit" in name or "Sqlite" in name):
            print(f"{100 * count / total:6.1f} %  {name}")
            shown += 1
            if shown == 30:
                break


main()
