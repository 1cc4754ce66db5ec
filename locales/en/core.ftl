# Texts of vestnik's command line that are not about one rule: severities, the summary of a
# check. Each message here has a twin with the same variables in locales/ru/core.ftl.

severity-error = error
severity-warning = warning
hint = hint

check-verdict-passed = passed
check-verdict-failed = failed
# The summary line of `vestnik check`. $verdict is check-verdict-passed or -failed.
check-summary = vestnik check { $verdict }: { $errors } error(s), { $warnings } warning(s) in { $files } file(s), { $posts } post(s), { $organizations } organization(s); weeks { $from }..{ $to }, today { $today }

# Dates for people: "Mon 7 Dec, 10:00", with the year "Mon 7 Dec 2026, 10:00". $weekday is 1
# (Monday) … 7, $month 1 … 12.
date-weekday = { $weekday ->
        [1] Mon
        [2] Tue
        [3] Wed
        [4] Thu
        [5] Fri
        [6] Sat
       *[7] Sun
    }
date-month = { $month ->
        [1] Jan
        [2] Feb
        [3] Mar
        [4] Apr
        [5] May
        [6] Jun
        [7] Jul
        [8] Aug
        [9] Sep
        [10] Oct
        [11] Nov
       *[12] Dec
    }
date-short = { $weekday } { $day } { $month }, { $time }
date-long = { $weekday } { $day } { $month } { $year }, { $time }

network-name-vk = VK
network-name-ok = Odnoklassniki
network-name-telegram = Telegram
