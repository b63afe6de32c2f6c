from kgen.cel._library import Library
KUBERNETES_TYPE_NAMES = {}
def kubernetes_library():
    return Library()
