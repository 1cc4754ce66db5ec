# `vestnik registry changes`: what changed in the registry, and the notice to ЦУР of a new
# responsible (п. 2.3 of the decree). Each message has a twin with the same variables in
# locales/ru/changes.ftl.

changes-org = { $org } ({ $name }):
changes-none = Nothing changed in the registry.
changes-added = a new organization
changes-removed = removed from the registry
changes-renamed = new `id`: { $from } → { $to }
changes-name = new name: «{ $old }» → «{ $new }»
changes-required = pages now required (Appendix 2)
changes-not-required = pages now optional (Appendix 3)
changes-gospubliki-state = { $state ->
        [connected] connected
        [requested] requested
        [no] not connected
       *[none] not stated
    }
changes-gospubliki = Госпаблики: { $old } → { $new }
changes-responsible-replaced = new responsible: { $old } → { $new }. Tell ЦУР
changes-responsible-updated = the responsible's details changed: { $old } → { $new }
changes-page-added = new page on { $network }: { $page }
changes-page-removed = page removed on { $network }: { $page }
changes-page-field = { $network }, field `{ $field }`: { $old } → { $new }
changes-nobody = not stated
changes-since-unknown = date not stated
changes-no-pages = no pages yet
changes-notices = Notices for ЦУР:
changes-notice = The organization «{ $name }» has a new responsible for its official pages ({ $pages }) since { $since }. Was: { $old }. Now: { $new }.
