// Stock CSV import: upload with a progress bar, then show the preview in place of the page's main part.
// XMLHttpRequest rather than fetch, because only it reports upload progress. Without JavaScript the
// form posts normally and the preview comes back as a page.
(function () {
  "use strict";

  function setStatus(form, text) {
    const status = form.querySelector("[role=status]");
    if (status) status.textContent = text;
  }

  function showPreview(form, xhr) {
    const action = new URL(form.action, location.href);
    const landed = xhr.responseURL ? new URL(xhr.responseURL) : action;
    if (landed.pathname !== action.pathname) {
      location.assign(landed.href); // e.g. the login page after the session ended
      return;
    }
    const doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
    const main = doc.querySelector("main");
    if (!main) {
      form.submit(); // not a page we know: let the browser show it
      return;
    }
    document.querySelector("main").replaceWith(main);
    document.title = doc.title;
    main.focus();
    window.scrollTo(0, 0);
  }

  function upload(event, form) {
    const input = form.querySelector("input[type=file]");
    const file = input && input.files && input.files[0];
    if (!file || form.dataset.busy) return; // the server names what is missing
    event.preventDefault();
    const maxBytes = Number(form.dataset.maxBytes || 0);
    if (maxBytes && file.size > maxBytes) {
      setStatus(form, `파일이 너무 큽니다(${(file.size / 1048576).toFixed(1)}MB). ${Math.floor(maxBytes / 1048576)}MB 이하로 나눠 올려 주세요.`);
      return;
    }
    const box = form.querySelector("[data-upload-progress]");
    const bar = box && box.querySelector("progress");
    const button = form.querySelector("button[type=submit]");
    form.dataset.busy = "1";
    if (button) button.disabled = true;
    if (box) box.hidden = false;
    if (bar) { bar.max = 100; bar.value = 0; }
    setStatus(form, "파일을 올리는 중입니다… 0%");
    let announced = 0;

    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    xhr.upload.addEventListener("progress", (e) => {
      if (!e.lengthComputable || !bar) return;
      const percent = Math.floor((e.loaded * 100) / e.total);
      bar.value = percent;
      if (percent >= announced + 10 || percent === 100) {
        announced = percent;
        setStatus(form, `파일을 올리는 중입니다… ${percent}%`);
      }
    });
    xhr.upload.addEventListener("load", () => {
      if (bar) bar.removeAttribute("value"); // indeterminate while the server checks every row
      setStatus(form, "모든 행을 검사하는 중입니다… 큰 파일은 잠시 걸립니다.");
    });
    xhr.addEventListener("load", () => showPreview(form, xhr));
    xhr.addEventListener("error", () => {
      delete form.dataset.busy;
      if (button) button.disabled = false;
      if (box) box.hidden = true;
      setStatus(form, "파일을 올리지 못했습니다. 인터넷 연결을 확인하고 다시 시도해 주세요.");
    });
    xhr.send(new FormData(form));
  }

  function applying(event, form) {
    if (form.dataset.busy) {
      event.preventDefault(); // a second click must not apply twice
      return;
    }
    form.dataset.busy = "1";
    const button = form.querySelector("button[type=submit]");
    if (button) {
      button.textContent = "적용하는 중…";
      button.setAttribute("aria-disabled", "true");
    }
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    if (form.matches("[data-stock-upload]")) upload(event, form);
    else if (form.matches("[data-stock-apply]")) applying(event, form);
  });
})();
