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
alert-responsible = NEW RESPONSIBLE: tell ЦУР. Forward them the notice below, as п. 2.3 of the decree requires.
alert-stopped-while-sending = vestnik stopped while sending

# The publisher's reasons: why a publication did not go out or waits. Shown in alerts and in
# `vestnik status`. $why is the network's words or details (not translated: the server's answer).
reason-duplicate-id = the post id `{ $post }` of `{ $org }` is also used in { $other }; ids must be unique, so neither is published
reason-no-page = the organization has no { $network } page any more (it was removed from the registry)
reason-plan-unreadable = the post's plan cannot be read right now
reason-not-rendered = cannot be rendered for { $network }: { $why }
reason-not-configured = { $network } is not configured in vestnik's configuration
reason-partly = partly published, then: { $why }
reason-gave-up = gave up after { $attempts } attempts: { $why }
reason-token = the token needs a person: { $why }
reason-refused = refused by { $network }: { $why }
reason-no-answer = no answer from { $network }, the post may be up: { $why }
reason-rate-limited = { $network } asked to slow down: too many requests
reason-transient = { $network } failed for a while, nothing was published: { $why }
reason-stopped = vestnik stopped while sending to { $network }, and { $network } cannot tell whether it arrived

# What the network answered ($said: code, method and the server's words, not translated) and
# what a person does about it.
net-said = { $network } error { $code } in { $method }: { $message }
net-said-bare = { $network } error { $code } in { $method }
net-hint = { $said }; { $hint }
vk-upload-again = the picture is uploaded again on the next attempt
vk-refresh-failed = refreshing the VK ID token did not help; a person must sign in again
vk-token-refused = the token was refused; a person must sign in again
vk-token-expired = the user token has expired or was revoked; issue a new one (or use VK ID tokens, which the client refreshes)
vk-user-token-only = { $method } accepts only a user token, and this is a community token; give vestnik the token of a user who administers the community
vk-app-not-allowed = the VK application is not allowed this; check the app's settings
vk-token-extension = the token must be issued again (token extension required)
vk-no-right = the token's user lacks a right here: check the community's admin rights, the token's scopes (wall, photos) and two-factor authentication
vk-captcha = VK wants a person to solve a captcha; publishing waits for a person
vk-validate = VK wants a person to validate the account; publishing waits for a person
vk-confirm = VK wants a person to confirm the action; publishing waits for a person
ok-failed-inside = OK failed inside; the topic may have been published
ok-refresh-failed = refreshing the access token did not help; a person must sign in to OK again
ok-session-expired = the session expired; a person must sign in to OK again
ok-token-expired = the access token expired or was revoked; issue a new one (or configure a refresh token, which the client uses)
ok-wants-session = OK wants a session; check the access token
ok-unknown-app = OK does not know the application key; check it in the app's settings
ok-bad-signature = OK refused the request signature ({ $said }). If the application secret key is the one of this application key, this is a bug in vestnik's signing: report it with this message
ok-censor = OK's censor refused the text; a person must reword it
ok-no-right = the token's user lacks a right here: check the group's admin rights and the application's permissions (GROUP_CONTENT, PHOTO_CONTENT, VALUABLE_ACCESS)
ok-restricted = OK restricts this account or group; a person must sign in to ok.ru and resolve it
net-refresh-refused = { $network } refused to refresh the access token: { $error }; a person must sign in to { $network } again
