# Errors of the commands: why a command could not run (exit code 2). Each message has a twin with
# the same variables in locales/ru/errors.ftl.
