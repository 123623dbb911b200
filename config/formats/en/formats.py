"""English formats of the back office (settings.FORMAT_MODULE_PATH): Django's, with times on the
24-hour clock as HH:mm (never seconds) and date-times labelled with their time zone."""

TIME_FORMAT = "H:i"
DATETIME_FORMAT = "N j, Y, H:i T"
SHORT_DATETIME_FORMAT = "m/d/Y H:i T"
# what a time input shows first (and accepts, with the others)
TIME_INPUT_FORMATS = ["%H:%M", "%H:%M:%S", "%H:%M:%S.%f"]
