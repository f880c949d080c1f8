// The console's script, embedded in the binary by embed_assets.cmake (console_js()).
'use strict';
(function () {
  const form = document.getElementById('upload-form');
  const live = document.getElementById('live');
  const results = document.getElementById('upload-result');
  async function refresh() {
    try {
      const reply = await fetch('live', {credentials: 'same-origin'});
      if (reply.ok) live.innerHTML = await reply.text();
    } catch (e) { /* the next tick tries again */ }
  }
  async function answer(reply) {
    const text = await reply.text();
    try { return JSON.parse(text); } catch (e) { return {errors: [text.trim() || reply.status + ' ' + reply.statusText]}; }
  }
  async function upload(files) {
    const max = Number(form.dataset.maxBytes);
    for (const file of files) {
      const line = document.createElement('li');
      results.prepend(line);
      if (file.size > max) {
        line.className = 'bad';
        line.textContent = file.name + ' refused: ' + file.size + ' bytes, larger than MAX_INPUT_BYTES=' + max;
        continue;
      }
      line.textContent = file.name + ': uploading...';
      const data = new FormData();
      data.append('files', file, file.name);
      try {
        const reply = await fetch('upload', {method: 'POST', body: data, credentials: 'same-origin',
                                             headers: {'Accept': 'application/json'}});
        const body = await answer(reply);
        const ok = reply.ok && body.uploaded && body.uploaded.length > 0;
        line.className = ok ? 'ok' : 'bad';
        line.textContent = ok ? file.name + ': uploaded as s3://' + body.uploaded[0].bucket + '/' + body.uploaded[0].key
                              : (body.errors || []).join('; ');
      } catch (e) {
        line.className = 'bad';
        line.textContent = file.name + ': ' + e;
      }
    }
    refresh();
  }
  if (form) {
    const input = form.querySelector('input[type=file]');
    const drop = document.getElementById('drop');
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      upload(Array.from(input.files));
      form.reset();
    });
    drop.addEventListener('dragover', function (event) { event.preventDefault(); drop.classList.add('over'); });
    drop.addEventListener('dragleave', function () { drop.classList.remove('over'); });
    drop.addEventListener('drop', function (event) {
      event.preventDefault();
      drop.classList.remove('over');
      upload(Array.from(event.dataTransfer.files));
    });
  }
  document.addEventListener('submit', async function (event) {
    const target = event.target;
    if (!target.classList.contains('retry')) return;
    event.preventDefault();
    const reply = await fetch(target.action, {method: 'POST', credentials: 'same-origin',
                                              body: new URLSearchParams(new FormData(target)),
                                              headers: {'Accept': 'application/json'}});
    const body = await answer(reply);
    const line = document.createElement('li');
    line.className = reply.ok ? 'ok' : 'bad';
    line.textContent = body.message || (body.errors || []).join('; ');
    results.prepend(line);
    refresh();
  });
  setInterval(refresh, 2000);
})();
