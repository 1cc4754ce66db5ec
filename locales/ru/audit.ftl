# Проверка настоящих страниц (`vestnik audit`, задание jobs.audit): что на них видно.

audit-access = { $place }: { $access ->
    [not-found] страница не найдена (удалена, заблокирована или в реестре неверный номер)
    [closed] страница закрыта для vestnik, её записи не прочитать
    [not-admin] у vestnik больше нет прав администратора этой страницы
    [private] страница закрыта: её записи видят только участники, а не все жители
   *[token-refused] сеть не принимает ключ доступа vestnik
}
audit-access-hint = { $access ->
    [not-found] откройте страницу в браузере; если её удалили или заблокировали, восстановите её или исправьте номер в plans/registry.yaml
    [closed] сделайте страницу открытой или дайте учётной записи vestnik права администратора
    [not-admin] снова назначьте учётную запись (или бота) vestnik администратором страницы
    [private] { $network ->
        [vk] сделайте сообщество открытым: «Управление» → «Настройки» → «Тип группы» — «Открытая»
       *[other] сделайте группу открытой в её настройках, чтобы записи видели все
    }
   *[token-refused] выпустите новый ключ доступа и положите его в файл, который назван в настройках vestnik
}
audit-verified = { $place }: { $declared ->
    [true] в реестре страница отмечена как подтверждённая, а отметки «Госорганизация» на ней нет
   *[false] на странице есть отметка подтверждения, а в реестре написано, что её нет
}
audit-verified-hint = { $declared ->
    [true] подтвердите статус через Госуслуги: «Управление» → «Основная информация» → «Подтвердить статус через Госуслуги»; или исправьте verified в реестре
   *[false] поставьте verified: true для этой страницы в plans/registry.yaml
}
audit-element = { $element ->
    [description] описания
    [address] адреса
    [map] точки на карте
    [phones] телефонов
    [hours] часов работы
   *[links] ссылок на сайт и другие страницы
}
audit-profile = { $place }: в профиле страницы нет { $missing }
audit-profile-hint = { $network ->
    [vk] заполните в «Управлении» сообщества: «Основная информация» (описание, сайт), «Адреса» (адрес, точка на карте, часы работы, телефон), «Контакты» и «Ссылки»
    [ok] заполните в настройках группы описание, адрес с точкой на карте и ссылку на сайт
   *[telegram] напишите в описании канала, чья это страница, адрес, телефон и часы работы
}
audit-posts-per-week = { $place }: за неделю { $week } ({ $span }) на странице { $count ->
    [one] { $count } публикация
    [few] { $count } публикации
   *[other] { $count } публикаций
}, а нужно не меньше { $min }
audit-posts-per-week-hint = публикуйте не реже { $min } раз в неделю: добавьте записи в контент-план или опубликуйте их вручную
audit-gospubliki = { $place }: запись из { $file } на { $due } должна была прийти через Госпаблики, но за { $hours } ч на странице её не видно
audit-gospubliki-hint = проверьте в Госпабликах, отправлена ли запись и подключена ли эта страница; если нет, опубликуйте её сами
audit-unplanned-post = { $id } «{ $excerpt }»
audit-unplanned = { $place }: за неделю { $week } { $count ->
    [one] { $count } запись сделана
    [few] { $count } записи сделаны
   *[other] { $count } записей сделано
} не через vestnik и не по плану: { $posts }
audit-unplanned-hint = это не ошибка; чтобы такие записи были видны в календаре, вносите их в контент-план с external

## Вывод команды

audit-summary = { $verdict }: { $errors ->
    [one] { $errors } ошибка
    [few] { $errors } ошибки
   *[other] { $errors } ошибок
}, { $warnings ->
    [one] { $warnings } предупреждение
    [few] { $warnings } предупреждения
   *[other] { $warnings } предупреждений
}, { $infos ->
    [one] { $infos } сведение
    [few] { $infos } сведения
   *[other] { $infos } сведений
}; { $pages ->
    [one] { $pages } страница
    [few] { $pages } страницы
   *[other] { $pages } страниц
}, недели { $from } – { $to }
audit-verdict-passed = страницы в порядке
audit-verdict-failed = есть нарушения
audit-level = { $level ->
    [error] ошибка
    [warning] предупреждение
   *[info] сведение
}
audit-progress = страниц { $done } из { $total }, запросов { $calls }, осталось около { $left } с
audit-not-configured = { $network }: сеть не настроена в vestnik.yaml, её страницы не проверены
audit-read-failed = { $place }: страницу не удалось прочитать сейчас ({ $error }); проверка повторится в следующий раз
audit-bad-week = неделя «{ $week }» записана неверно: пишите её в виде 2026-W49
audit-weeks-reversed = неделя --from { $from } позже недели --to { $to }

## Записи в состоянии uncertain, решённые по тому, что видно на странице

audit-settled-published = { $publication }: запись найдена на странице ({ $id }) и отмечена опубликованной
audit-settled-resend = { $publication }: записи на странице нет, она будет отправлена снова
audit-settled-person = { $publication }: бот не видит своих сообщений, поэтому проверьте вручную: { $links }; потом выполните vestnik resolve
audit-settled-person-private = { $publication }: бот не видит своих сообщений, а у канала нет публичного имени: откройте канал, проверьте последние записи и выполните vestnik resolve

## Оповещение после проверки в демоне

audit-alert = ПРОВЕРКА СТРАНИЦ (недели { $from } – { $to }): { $count ->
    [one] { $count } нарушение
    [few] { $count } нарушения
   *[other] { $count } нарушений
}
audit-alert-more = …и ещё { $n }: весь список покажет `vestnik audit --org { $org }`.
audit-alert-hint = Что делать, написано у каждого нарушения в `vestnik audit`.
