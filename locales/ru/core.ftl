# Тексты командной строки vestnik, не относящиеся к одному правилу: уровни замечаний и итог
# проверки. У каждого сообщения здесь есть двойник с теми же переменными в locales/en/core.ftl.

severity-error = ошибка
severity-warning = предупреждение
hint = подсказка

check-verdict-passed = пройдена
check-verdict-failed = не пройдена
# Итоговая строка `vestnik check`. $verdict — check-verdict-passed или -failed.
check-summary = Проверка { $verdict }: { $errors ->
        [one] { $errors } ошибка
        [few] { $errors } ошибки
       *[other] { $errors } ошибок
    }, { $warnings ->
        [one] { $warnings } предупреждение
        [few] { $warnings } предупреждения
       *[other] { $warnings } предупреждений
    } в { $files ->
        [one] { $files } файле
       *[other] { $files } файлах
    }: { $posts ->
        [one] { $posts } публикация
        [few] { $posts } публикации
       *[other] { $posts } публикаций
    }, { $organizations ->
        [one] { $organizations } организация
        [few] { $organizations } организации
       *[other] { $organizations } организаций
    }; недели { $from }..{ $to }, сегодня { $today }
