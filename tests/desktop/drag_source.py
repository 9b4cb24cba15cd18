"""A tiny PyQt6 window that starts a real X11 drag of the given paths when pressed.

Stands in for a file manager: xdotool presses the mouse on it and moves to the app window,
so the app receives a genuine XDND drop with ``file://`` URLs, exactly as from Nautilus/Dolphin.
"""

from __future__ import annotations

import sys

from PyQt6.QtCore import QMimeData, Qt, QUrl
from PyQt6.QtGui import QDrag, QMouseEvent
from PyQt6.QtWidgets import QApplication, QLabel

TITLE = "IA drag source"


class DragSource(QLabel):
    """Label that drags its paths as URLs on mouse press."""

    def __init__(self, paths: list[str]) -> None:
        super().__init__("drag me:\n" + "\n".join(paths))
        self.paths = paths
        self.setWindowTitle(TITLE)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setStyleSheet("background: #fd8; font-size: 14px; border: 3px solid #a60;")

    def mousePressEvent(self, event: QMouseEvent | None) -> None:  # Qt override
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(p) for p in self.paths])
        drag = QDrag(self)
        drag.setMimeData(mime)
        result = drag.exec(Qt.DropAction.CopyAction | Qt.DropAction.LinkAction)
        print(f"drag finished: {result}", flush=True)


def main() -> None:
    x, y, w, h = (int(v) for v in sys.argv[1:5])
    app = QApplication(sys.argv[:1])
    label = DragSource(sys.argv[5:])
    label.setGeometry(x, y, w, h)
    label.show()
    print("drag source shown", flush=True)
    sys.exit(app.exec())


if __name__ == "__main__":
    main()
