"""Arabic formats of the back office (settings.FORMAT_MODULE_PATH): Django's, with times on the
24-hour clock as HH:mm (never seconds) and date-times labelled with their time zone."""

TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F، Y، H:i T"
SHORT_DATETIME_FORMAT = "d‏/m‏/Y H:i T"
TIME_INPUT_FORMATS = ["%H:%M", "%H:%M:%S", "%H:%M:%S.%f"]
