// Camera scanning for the task screens: the browser's BarcodeDetector where it exists,
// else the vendored barcode-detector polyfill (ZXing in WebAssembly, served from here,
// never from a CDN). A read code is typed into the scan field and its form is submitted,
// exactly as a keyboard-wedge scanner would do.
(function () {
  "use strict";

  const script = document.currentScript;
  const POLYFILL_URL = script.dataset.polyfill;
  const WASM_URL = script.dataset.wasm;
  const FORMATS = ["ean_13", "ean_8", "code_128", "qr_code", "upc_a"];
  let detectorPromise = null;

  function cameraAvailable() {
    return Boolean(navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
  }

  function loadPolyfill() {
    return new Promise(function (resolve, reject) {
      const tag = document.createElement("script");
      tag.src = POLYFILL_URL;
      tag.onload = function () {
        const api = window.BarcodeDetectionAPI;
        api.prepareZXingModule({
          overrides: {
            locateFile: function (path, prefix) {
              return path.endsWith(".wasm") ? WASM_URL : prefix + path;
            },
          },
        });
        resolve(api.BarcodeDetector);
      };
      tag.onerror = reject;
      document.head.append(tag);
    });
  }

  function detector() {
    if (!detectorPromise) {
      const native = "BarcodeDetector" in window ? Promise.resolve(window.BarcodeDetector) : loadPolyfill();
      detectorPromise = native.then(function (Detector) { return new Detector({ formats: FORMATS }); });
    }
    return detectorPromise;
  }

  // A full-screen viewfinder with a cancel button; resolves with the first code read.
  function scanWithCamera(button) {
    const overlay = document.createElement("div");
    overlay.className = "camera-overlay";
    const video = document.createElement("video");
    video.setAttribute("playsinline", "");
    video.muted = true;
    const cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "button camera-cancel";
    cancel.textContent = button.dataset.cancelLabel || "×";
    overlay.append(video, cancel);
    document.body.append(overlay);

    let stream = null;
    let stopped = false;
    function stop() {
      stopped = true;
      if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
      overlay.remove();
    }
    cancel.addEventListener("click", stop);

    return navigator.mediaDevices
      .getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (media) {
        stream = media;
        video.srcObject = media;
        return Promise.all([video.play(), detector()]);
      })
      .then(function (results) {
        const reader = results[1];
        return new Promise(function (resolve) {
          function look() {
            if (stopped) return resolve(null);
            reader.detect(video).then(function (codes) {
              if (codes.length) {
                stop();
                resolve(codes[0].rawValue);
              } else {
                setTimeout(look, 150);
              }
            }, function () { setTimeout(look, 300); });
          }
          look();
        });
      })
      .catch(function (error) {
        stop();
        throw error;
      });
  }

  function showCameraButtons() {
    if (!cameraAvailable()) return;
    document.querySelectorAll("[data-camera-scan][hidden]").forEach(function (button) {
      button.hidden = false;
    });
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-camera-scan]");
    if (!button) return;
    const form = button.closest("form");
    const field = form.querySelector("[data-scan-field]");
    scanWithCamera(button).then(function (code) {
      if (!code) return;
      field.value = code;
      form.requestSubmit();
    }, function () {
      field.focus();
      document.dispatchEvent(new CustomEvent("omni:toast", { detail: { message: button.dataset.errorLabel } }));
    });
  });

  showCameraButtons();
  document.addEventListener("htmx:afterSwap", showCameraButtons);
})();
