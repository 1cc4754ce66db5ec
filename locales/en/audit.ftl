# The audit of the real pages (`vestnik audit`, the jobs.audit job): what the pages show.

audit-access = { $place }: { $access ->
    [not-found] the page is not found (deleted, blocked, or the registry has a wrong id)
    [closed] the page is closed to vestnik: its posts cannot be read
    [not-admin] vestnik is no longer an administrator of this page
    [private] the page is closed: only its members see its posts, not every resident
   *[token-refused] the network refuses vestnik's access token
}
audit-access-hint = { $access ->
    [not-found] open the page in a browser; if it was deleted or blocked, restore it or fix its id in plans/registry.yaml
    [closed] make the page open, or make vestnik's account an administrator
    [not-admin] make vestnik's account (or bot) an administrator of the page again
    [private] { $network ->
        [vk] make the community open: «Управление» → «Настройки» → «Тип группы» → «Открытая»
       *[other] make the group open in its settings, so that everyone sees its posts
    }
   *[token-refused] issue a new access token and put it into the file vestnik's configuration names
}
audit-verified = { $place }: { $declared ->
    [true] the registry says the page is verified, but it shows no «Госорганизация» mark
   *[false] the page shows a verification mark, but the registry says it has none
}
audit-verified-hint = { $declared ->
    [true] confirm the status through Gosuslugi: «Управление» → «Основная информация» → «Подтвердить статус через Госуслуги»; or fix verified in the registry
   *[false] set verified: true for this page in plans/registry.yaml
}
audit-element = { $element ->
    [description] a description
    [address] an address
    [map] a map point
    [phones] phone numbers
    [hours] opening hours
   *[links] links to the website and the other pages
}
audit-profile = { $place }: the page's profile lacks { $missing }
audit-profile-hint = { $network ->
    [vk] fill in the community's management: main information (description, website), addresses (address, map point, hours, phone), contacts and links
    [ok] fill in the group's settings: description, address with a map point, and the website
   *[telegram] write in the channel's description whose page it is, the address, phone and opening hours
}
audit-posts-per-week = { $place }: in week { $week } ({ $span }) the page has { $count ->
    [one] { $count } publication
   *[other] { $count } publications
}, and at least { $min } are needed
audit-posts-per-week-hint = publish at least { $min } times a week: add posts to the content plan or publish them by hand
audit-gospubliki = { $place }: the post of { $file } at { $due } was to come through Госпаблики, but it has not appeared on the page within { $hours } h
audit-gospubliki-hint = check in Госпаблики whether the post was sent and this page is connected; if not, publish it yourself
audit-unplanned-post = { $id } «{ $excerpt }»
audit-unplanned = { $place }: in week { $week } { $count ->
    [one] { $count } post was made
   *[other] { $count } posts were made
} outside vestnik and the plans: { $posts }
audit-unplanned-hint = this is no error; to see such posts in the calendar, add them to the content plan with external

## The command's output

audit-summary = { $verdict }: { $errors ->
    [one] { $errors } error
   *[other] { $errors } errors
}, { $warnings ->
    [one] { $warnings } warning
   *[other] { $warnings } warnings
}, { $infos ->
    [one] { $infos } note
   *[other] { $infos } notes
}; { $pages ->
    [one] { $pages } page
   *[other] { $pages } pages
}, weeks { $from } – { $to }
audit-verdict-passed = the pages are in order
audit-verdict-failed = problems found
audit-level = { $level ->
    [error] error
    [warning] warning
   *[info] note
}
audit-progress = pages { $done } of { $total }, requests { $calls }, about { $left } s left
audit-not-configured = { $network }: the network is not configured in vestnik.yaml, its pages were not audited
audit-read-failed = { $place }: the page could not be read now ({ $error }); the audit tries again next time
audit-bad-week = the week «{ $week }» is not written right: it should look like 2026-W49
audit-weeks-reversed = the week --from { $from } is after the week --to { $to }

## Uncertain publications settled from what the page shows

audit-settled-published = { $publication }: found on the page ({ $id }) and marked published
audit-settled-resend = { $publication }: not on the page; it will be sent again
audit-settled-person = { $publication }: a bot never sees its own messages, so check by hand: { $links }; then run vestnik resolve
audit-settled-person-private = { $publication }: a bot never sees its own messages and the channel has no public name: open the channel, check its last posts and run vestnik resolve

## The alert after the daemon's audit

audit-alert = PAGE AUDIT (weeks { $from } – { $to }): { $count ->
    [one] { $count } problem
   *[other] { $count } problems
}
audit-alert-more = …and { $n } more: `vestnik audit --org { $org }` lists them all.
audit-alert-hint = What to do is written under each problem in `vestnik audit`.
