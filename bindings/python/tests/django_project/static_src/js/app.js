console.log('s3storage');
