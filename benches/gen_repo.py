#!/usr/bin/env python3
"""Generate a synthetic content repository for benchmarking `vestnik check`.

Usage: gen_repo.py OUT_DIR [ORGS] [WEEKS] [--files]
Defaults: 500 organizations x 52 weeks x 4 posts = 104,000 posts, starting 2026-W49.
Per organization and week: 2 posts as .md files and 2 posts in one weekly .yaml plan,
each referencing one of 3 small PNG images of the organization.
With --files: one .md file per post (4 per organization and week, 104,000 files by default),
each with one of the 3 pictures.
"""
import datetime
import os
import struct
import sys
import zlib

args = [a for a in sys.argv[1:] if a != "--files"]
one_file_per_post = "--files" in sys.argv[1:]
out = args[0]
orgs = int(args[1]) if len(args) > 1 else 500
weeks = int(args[2]) if len(args) > 2 else 52
start = datetime.date(2026, 11, 30)  # Monday of 2026-W49


def png(w, h):
    raw = b"".join(b"\x00" + bytes((x * 4 + y * 3) % 256 for x in range(3 * w)) for y in range(h))
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


TEXT = ("Приходите в субботу на каток у Дома культуры! Будет музыка, горячий чай и конкурсы для детей. "
        "Коньки можно взять напрокат, вход свободный. [Подробности](https://example.ru/katok?a=1&b=2)\n\n"
        "- начало в 12:00\n- до 16:00\n\n#Крапивинский #зима\n")

os.makedirs(os.path.join(out, "plans"), exist_ok=True)
image = png(64, 48)
reg = ["timezone: Asia/Novokuznetsk", "rules:", "  min_posts_per_week: 3", "  weeks_ahead: 1", "organizations:"]
for o in range(orgs):
    oid = f"org-{o:03d}"
    reg += [
        f"  - id: {oid}", f"    name: Организация {o}", "    required: true",
        "    gospubliki: connected",
        "    responsible: {name: Иванова, position: специалист, phone: '+7 000', email: a@example.ru, since: 2026-01-01}",
        "    profile: {description: Страница, address: ул. Примерная, map: 'https://yandex.ru/maps', phones: ['+7 000'], hours: пн–пт}",
        "    pages:",
        f"      vk: {{id: {900000000 + o}, url: 'https://vk.com/club{900000000 + o}', verified: true, two_factor: true, admins: [Иванова]}}",
        f"      ok: {{id: '{990000000000000 + o}', url: 'https://ok.ru/group/{990000000000000 + o}', verified: true, two_factor: true, admins: [Иванова]}}",
        f"      telegram: {{id: '@bench_{o}', url: 'https://t.me/bench_{o}', two_factor: true, admins: [Иванова]}}",
    ]
    pdir = os.path.join(out, "plans", oid)
    mdir = os.path.join(out, "media", oid)
    os.makedirs(pdir, exist_ok=True)
    os.makedirs(mdir, exist_ok=True)
    for i in range(3):
        with open(os.path.join(mdir, f"photo-{i}.png"), "wb") as f:
            f.write(image)
    for w in range(weeks):
        monday = start + datetime.timedelta(weeks=w)
        for d in (0, 1, 3, 5) if one_file_per_post else (0, 1):
            day = monday + datetime.timedelta(days=d)
            with open(os.path.join(pdir, f"{day.isoformat()}-post.md"), "w") as f:
                f.write(f"---\ndate: {day.isoformat()} 09:00\ntitle: Пост {w}-{d}\nimages: [photo-{d % 3}.png]\n---\n{TEXT}")
        if one_file_per_post:
            continue
        lines = ["posts:"]
        for d in (3, 5):
            day = monday + datetime.timedelta(days=d)
            lines += [f"  - date: {day.isoformat()} 12:00", f"    title: План {w}-{d}", "    images: [photo-2.png]", "    text: |"]
            lines += ["      " + l if l else "" for l in TEXT.splitlines()]
        with open(os.path.join(pdir, f"week-{monday.isoformat()}.yaml"), "w") as f:
            f.write("\n".join(lines) + "\n")
with open(os.path.join(out, "plans", "registry.yaml"), "w") as f:
    f.write("\n".join(reg) + "\n")
shape = "one .md file per post" if one_file_per_post else "2 .md files and 1 plan per week"
print(f"generated {orgs} organizations x {weeks} weeks x 4 posts = {orgs * weeks * 4} posts ({shape}) in {out}")
