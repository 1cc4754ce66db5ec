# `vestnik registry changes`: что изменилось в реестре и уведомление для ЦУР о смене
# ответственного (п. 2.3 постановления). Двойники с теми же переменными — в locales/en/changes.ftl.

changes-org = { $org } ({ $name }):
changes-none = В реестре ничего не изменилось.
changes-added = новая организация
changes-removed = организацию убрали из реестра
changes-renamed = сменился `id`: { $from } → { $to }
changes-name = новое название: «{ $old }» → «{ $new }»
changes-required = теперь страницы обязательны (приложение 2)
changes-not-required = теперь страницы не обязательны (приложение 3)
changes-gospubliki-state = { $state ->
        [connected] подключена
        [requested] заявка подана
        [no] не подключена
       *[none] не указано
    }
changes-gospubliki = Госпаблики: { $old } → { $new }
changes-responsible-replaced = сменился ответственный: { $old } → { $new }. Сообщите в ЦУР
changes-responsible-updated = у ответственного новые данные: { $old } → { $new }
changes-page-added = новая страница в { $network }: { $page }
changes-page-removed = убрана страница в { $network }: { $page }
changes-page-field = { $network }, поле `{ $field }`: { $old } → { $new }
changes-nobody = не указан
changes-since-unknown = дата не указана
changes-no-pages = страниц пока нет
changes-notices = Уведомления для ЦУР:
changes-notice = В организации «{ $name }» сменился ответственный за официальные страницы ({ $pages }) с { $since }. Был: { $old }. Теперь: { $new }.
