// Libraries the app needs only on some screens, loaded when first used (the worker has them cached).
const loaded = new Map();

function once(url, make) {
  if (!loaded.has(url)) {
    loaded.set(url, new Promise((resolve, reject) => {
      const node = make();
      node.onload = resolve;
      node.onerror = () => {
        loaded.delete(url);
        node.remove();
        reject(new Error(url));
      };
      document.head.append(node);
    }));
  }
  return loaded.get(url);
}

export const loadScript = (src) => once(src, () => Object.assign(document.createElement("script"), { src }));
export const loadStyle = (href) => once(href, () => Object.assign(document.createElement("link"), { rel: "stylesheet", href }));
