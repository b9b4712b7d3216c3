// The AWS SDK warns once per process that Node 20 is nearing its end; production runs Node 24.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
