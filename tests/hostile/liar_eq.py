# liar-eq: answers made of objects whose __eq__ always says True (and a __class__ that lies).
# Base: solution
# Expect: zero
# Some reason: a Liar, which is not plain data


class LiarStr(str):
    __hash__ = str.__hash__

    def __eq__(self, other):
        return True

    @property
    def __class__(self):
        return str


class Liar(set):
    def __eq__(self, other):
        return True


def decode_mask(mask):
    return Liar({LiarStr("SIGINT")})
