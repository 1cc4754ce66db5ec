# What the commands print for people besides `check`: the lines of a publishing pass and of
# `status`. Twins with the same variables in locales/ru/cli.ftl.

pass-skipped = skipped { $file }: { $why }
pass-missed = missed { $what }
pass-edited = edited after publication (not reposted) { $what }
pass-published = published { $what }: { $id }
pass-retry = retry { $what } at { $at }
pass-retry-why = retry { $what } at { $at }: { $why }
pass-needs-person = NEEDS A PERSON { $what }: { $why }
pass-summary = vestnik publish: { $published } published, { $retry } to retry, { $failed } failed, { $uncertain } uncertain, { $missed } missed
pass-alerts = alerts: { $sent } sent, { $waiting } waiting

state-scheduled = scheduled
state-sending = sending
state-published = published
state-failed = failed
state-uncertain = uncertain
state-missed = missed
state-cancelled = cancelled
status-count = { $count } { $state }
status-why = why: { $why }
status-first = since: { $since }
status-when = when: { $since }
status-next = next attempt: { $at }
status-none = none
status-summary = { $total } publications: { $counts }; { $alerts ->
        [one] { $alerts } alert
       *[other] { $alerts } alerts
    } not delivered yet

resolve-resend = { $what }: will be sent again at the next pass
resolve-published = { $what }: recorded as published

sandbox-intro = vestnik sandbox: local emulators of the three APIs (no real network is reached)
sandbox-outro = (test credentials of the emulators only; real tokens never go on a command line)
demo-published = [{ $at }] published { $what }: { $id } ({ $late })
demo-late-none = on time
demo-late-seconds = { $n } s late
demo-late-minutes = { $n } min late
demo-held = what the emulators hold now:
demo-count = { $count ->
        [one] { $count } { $messages ->
            [yes] message
           *[no] post
        }
       *[other] { $count } { $messages ->
            [yes] messages
           *[no] posts
        }
    }
