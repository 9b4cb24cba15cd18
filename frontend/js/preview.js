// The large preview: fits the frame by default; Z (or a click) toggles 100 % around the clicked
// point; drag or the scrollbars pan. The cached thumbnail shows at once while the preview loads.

import { previewUrl, thumbUrl } from './api.js';

export class Preview {
  constructor(frame, { onZoomChange = () => {} } = {}) {
    this.frame = frame;
    this.img = frame.querySelector('img');
    this.msg = frame.querySelector('.preview-msg');
    this.onZoomChange = onZoomChange;
    this.zoomed = false;
    this.id = null;
    this.cache = new Map(); // id -> Image (prefetched)
    this.img.addEventListener('load', () => {
      if (this.img.dataset.kind === 'preview') this.frame.classList.remove('loading');
      this.msg.textContent = '';
    });
    this.img.addEventListener('error', () => {
      if (this.img.dataset.kind === 'preview') {
        this.frame.classList.remove('loading');
        this.msg.textContent = 'Preview not available for this photo.';
      }
    });
    let drag = null;
    frame.addEventListener('pointerdown', (e) => {
      if (!this.zoomed) return;
      drag = { x: e.clientX, y: e.clientY, left: frame.scrollLeft, top: frame.scrollTop, moved: false };
      frame.setPointerCapture(e.pointerId);
    });
    frame.addEventListener('pointermove', (e) => {
      if (!drag) return;
      const dx = e.clientX - drag.x;
      const dy = e.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
      frame.scrollLeft = drag.left - dx;
      frame.scrollTop = drag.top - dy;
    });
    frame.addEventListener('pointerup', (e) => {
      const moved = drag && drag.moved;
      drag = null;
      if (!moved) this.toggleZoom(e);
    });
  }

  show(photo) {
    if (!photo) {
      this.id = null;
      this.img.removeAttribute('src');
      this.img.alt = '';
      this.msg.textContent = '';
      return;
    }
    if (this.id === photo.id) return;
    this.id = photo.id;
    this.setZoom(false);
    const url = previewUrl(photo.id);
    const cached = this.cache.get(photo.id);
    this.img.alt = photo.alt_text || `Preview of ${photo.file_name || photo.original_name}`;
    if (cached && cached.complete && cached.naturalWidth) {
      this.img.dataset.kind = 'preview';
      this.img.src = url;
      this.frame.classList.remove('loading');
    } else {
      // Show the (already cached) thumbnail immediately, then swap in the preview.
      this.img.dataset.kind = 'thumb';
      this.img.src = thumbUrl(photo.id);
      this.frame.classList.add('loading');
      const full = cached || new Image();
      if (!cached) { full.src = url; this.cache.set(photo.id, full); }
      const id = photo.id;
      const swap = () => {
        if (this.id !== id) return;
        this.img.dataset.kind = 'preview';
        this.img.src = url;
      };
      full.decode ? full.decode().then(swap, swap) : full.addEventListener('load', swap);
    }
  }

  /** Warm the browser cache for photos the user is about to see. */
  prefetch(ids) {
    for (const id of ids) {
      if (this.cache.has(id)) continue;
      const im = new Image();
      im.decoding = 'async';
      im.src = previewUrl(id);
      this.cache.set(id, im);
    }
    if (this.cache.size > 40) {
      const keep = new Set(ids.concat([this.id]));
      for (const k of this.cache.keys()) if (!keep.has(k) && this.cache.size > 30) this.cache.delete(k);
    }
  }

  setZoom(on, point) {
    const f = this.frame;
    const rect = this.img.getBoundingClientRect();
    const rx = point && rect.width ? (point.clientX - rect.left) / rect.width : 0.5;
    const ry = point && rect.height ? (point.clientY - rect.top) / rect.height : 0.5;
    this.zoomed = on;
    f.classList.toggle('zoomed', on);
    if (on) {
      const w = this.img.naturalWidth;
      const hgt = this.img.naturalHeight;
      f.scrollLeft = Math.max(0, rx * w - f.clientWidth / 2);
      f.scrollTop = Math.max(0, ry * hgt - f.clientHeight / 2);
    }
    this.onZoomChange(on);
  }

  toggleZoom(point) {
    this.setZoom(!this.zoomed, point);
  }
}
