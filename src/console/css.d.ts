// esbuild bundles imported stylesheets into app.css; they export nothing.
declare module '*.css';
