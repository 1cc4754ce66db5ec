# Moderation of comments: the rules and the output of `vestnik moderation classify`.

moderation-rules-invalid = the moderation rules cannot be read: { $error }
moderation-bad-pattern = pattern { $what } cannot be read
moderation-bad-pattern-hint = a pattern holds letters, digits, a space between words, `*`, `[abc]`, `(a|b)` and `?`
moderation-bad-value = the value “{ $value }” does not fit here; allowed: { $allowed }
moderation-nothing-to-match = moderation rule `{ $rule }` has nothing to look for
moderation-nothing-to-match-hint = add `words: ["root*"]` or `detector: link`
moderation-verdict-keep = keep
moderation-verdict-hold = hold
moderation-verdict-delete = delete
moderation-category-obscene = obscene
moderation-category-insult = insult
moderation-category-spam = spam
moderation-human-line = { $verdict }: { $text }
moderation-human-reason = { "  " }{ $category } “{ $found }” (rule { $rule })
moderation-line-not-utf8 = line { $line } is not UTF-8
moderation-line-too-long = line { $line } is longer than { $max } bytes: only the first { $max } were classified
moderation-stdin = cannot read the input: { $error }

## The moderation pass (`vestnik moderate`, the job jobs.moderate), the journal and restoring.

moderation-line = #{ $id } { $action ->
    [deleted] deleted
   *[reported] left, reported to the responsible
} · { $network } · { $category ->
    [obscene] obscenity
    [insult] insult
   *[spam] spam
} ({ $rule }): “{ $excerpt }”
moderation-not-deleted = Could not delete it: { $why }
moderation-too-old = Telegram lets a bot delete a message only within 48 hours, and this one is older. Delete it by hand if need be.
moderation-no-client = the configuration has no token for this network
moderation-edited-again = its author edited the comment again while it was being checked
moderation-alert = COMMENT MODERATION: { $deleted } deleted, { $reported } { $reported ->
    [one] awaits
   *[other] await
} your decision.
moderation-alert-more = …and { $n } more: `vestnik moderation log` shows them all.
moderation-alert-hint = A VK comment deleted by mistake comes back with `vestnik moderation restore <number>`. Look at the ones left yourself: delete them or answer.
moderation-updates-failed = New comments from Telegram were not received: { $error }
moderation-page-failed = { $page }: comments not read: { $why }
moderation-summary = Comments judged: { $judged }. Deleted: { $deleted }, left for the responsible: { $reported }.
moderation-summary-dry = A dry run: nothing was changed. Comments judged: { $judged }. Would be deleted: { $deleted }, left for the responsible: { $reported }.
moderation-restored-mark = (restored { $at } by { $by })
moderation-log-empty = The moderation journal is empty so far.
moderation-restored = Comment #{ $id } is back on the page: “{ $excerpt }”
moderation-restore-no-such = The moderation journal has no entry #{ $id }. `vestnik moderation log` shows the numbers.
moderation-restore-not-deleted = Entry #{ $id } is a report: the comment was not deleted, so there is nothing to restore.
moderation-restore-already = The comment of entry #{ $id } is restored already.
moderation-restore-impossible = { $network } cannot restore a deleted comment. Ask its author to write it again.
moderation-restore-no-client = Restoring a comment needs the { $network } token in the configuration.
