# `vestnik calendar`: the content plan as a calendar (ICS) and as a table by month (HTML).
# Each message has a twin with the same variables in locales/ru/calendar.ftl.

calendar-title = Content plan
calendar-draft = draft
calendar-external = external
calendar-description = { $text }

    Networks: { $networks }. File: { $file }
calendar-empty = The plan has no dated posts yet.
calendar-month = { $month ->
        [1] January
        [2] February
        [3] March
        [4] April
        [5] May
        [6] June
        [7] July
        [8] August
        [9] September
        [10] October
        [11] November
       *[12] December
    } { $year }
calendar-week = Week
calendar-week-count = { $count } of { $min }
calendar-week-short = too few posts
calendar-week-all-ok = everyone at least { $min }
calendar-week-below = fewer than { $min }:
calendar-skipped = { $file } has errors, its posts may be missing from the calendar: run `vestnik check`
