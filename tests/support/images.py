"""Pictures with something odd about them, for the tests of what the server takes."""

__all__ = ["ODD_EXIF"]

# EXIF (orientation 6, "turn to view") whose GPS version is written as text where bytes belong:
# Pillow reads it, and fails (TypeError) when it writes such EXIF back after turning a picture.
ODD_EXIF = bytes.fromhex(
    "4578696600004d4d002a00000008000201120003000000010006000088250004000000010000002600000000"
    "000200000002000000024e000000000200050000000300000044000000000000001e000000010000000f0000"
    "00010000000000000001"
)
