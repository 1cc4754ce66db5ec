# Alerts to the МЦУ chat and to responsibles, and the weekly summary. Twins with the same
# variables in locales/ru/alerts.ftl.

# A publication: organization/post on network.
alert-what = { $org }/{ $post } on { $network }
alert-failed = FAILED { $what }: { $why }. Fix the post or the page, then run `vestnik resolve --resend` for it.
alert-uncertain = UNCERTAIN { $what }: { $why }. Look at the page: if the post is there, run `vestnik resolve --published`, else `vestnik resolve --resend`.
alert-missed = MISSED { $what }: its time passed more than { $minutes } min ago while vestnik was not publishing; it was not sent late. Give it a new date to publish it.
alert-edited = EDITED AFTER PUBLICATION { $what }: the change in git is not reposted; edit the post on the page by hand if it matters.
alert-broken-file = BROKEN PLAN FILE { $file }:{ $why }. Its posts wait until it is fixed (`vestnik check` shows how).
alert-token-bot = the bot cannot post to { $page }
alert-token-network = the { $network } token was refused
alert-token = TOKEN NEEDS RENEWAL on { $network }: { $scope } ({ $why }). Publications wait and are retried every { $minutes } min; renew the token or restore the bot's admin rights.
alert-weekly = WEEK { $week } ({ $span }): { $ok } of { $pages } official pages had at least { $min } publications.
alert-weekly-short = Below the minimum: { $pages }.
alert-weekly-page = { $org } on { $network }: { $count }
alert-stopped-while-sending = vestnik stopped while sending
